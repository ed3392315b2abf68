package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
)

// familyBoards are the boards of issue 16's VM check: an STM32F7, an
// STM32H7, an STM32G4 and an Artery AT32F437, served at bus IDs 1-1..1-4.
var familyBoards = []string{"nucleo-f722ze", "nucleo-h743zi", "nucleo-g431rb", "at-start-f437"}

// TestFamiliesDfuUtil runs Debian's dfu-util 0.11 against one simulated
// board of each of four families through the kernel's USB/IP client: it
// lists them, downloads an application and uploads it back byte-exact;
// then softdfu itself, through usbfs in the same guest, flashes each board
// (verify, no leave) selected by its port path. On the AT32F437 dfu-util
// writes from 0x08008000: its ROM marks the first 32 KB read-only ('a'),
// which dfu-util honours.
func TestFamiliesDfuUtil(t *testing.T) {
	needVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	bin, err := BuildSoftdfu(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var specs []string
	for _, b := range familyBoards {
		specs = append(specs, b+":dfu")
	}
	t.Setenv(EnvServer, "{softdfu} sim --listen {addr} --control {control} --sim "+strings.Join(specs, ","))
	port, ctrl := freePort(t), freePort(t)
	startServerCommand(t, ctx, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", ctrl))
	files := map[string][]byte{}
	var script strings.Builder
	fmt.Fprintf(&script, `
attach_all() {
	for b in 1-1 1-2 1-3 1-4; do
		i=0
		until usbip --tcp-port %d attach -r %s -b $b; do
			i=$((i+1)); [ $i -ge 60 ] && { echo "ATTACH FAILED $b"; return 1; }
			sleep 0.5
		done
	done
	i=0
	until [ $(ls -d /sys/bus/usb/devices/[0-9]*-[0-9]* 2>/dev/null | grep -v : | wc -l) -ge 4 ]; do
		i=$((i+1)); [ $i -ge 100 ] && { echo "ENUMERATION FAILED"; return 1; }
		sleep 0.1
	done
	sleep 0.5
}
attach_all || exit 1
echo "--- dfu-util -l"
dfu-util -l
`, port, GuestHost)
	for _, name := range familyBoards {
		p := sim.Boards[name].Part
		app := sim.AppImage(p, "micropython", 20000)
		files[name+".bin"] = app
		id := fmt.Sprintf("%04x:%04x", p.Chip.Family.USB[0].Vendor, p.Chip.Family.USB[0].Product)
		serial := p.Chip.Family.ROMSerial(p.DefaultUID)
		addr := "0x08000000"
		if name == "at-start-f437" {
			addr = "0x08008000"
		}
		fmt.Fprintf(&script, `
echo "--- %[1]s: dfu-util download and upload"
dfu-util -d %[2]s -S %[3]s -a 0 -s %[4]s -D %[1]s.bin
echo "%[1]s DOWNLOAD rc=$?"
dfu-util -d %[2]s -S %[3]s -a 0 -s %[4]s:%[5]d -U %[1]s.back
echo "%[1]s UPLOAD rc=$?"
cmp %[1]s.bin %[1]s.back && echo "%[1]s READBACK MATCHES"
`, name, id, serial, addr, len(app))
	}
	script.WriteString("echo '--- softdfu list'\nsoftdfu list\n")
	// softdfu flashes each board by its port path: the guest learns the
	// path of each from its serial (the AT32 has its own USB ID).
	for _, name := range familyBoards {
		p := sim.Boards[name].Part
		serial := p.Chip.Family.ROMSerial(p.DefaultUID)
		vid := fmt.Sprintf("%04x", p.Chip.Family.USB[0].Vendor)
		fmt.Fprintf(&script, `
for d in /sys/bus/usb/devices/[0-9]*-[0-9]*; do
	case $d in *:*) continue;; esac
	if [ "$(cat $d/idVendor)" = %[3]s ] && [ "$(cat $d/serial)" = %[2]s ]; then
		echo "--- %[1]s: softdfu flash --path $(basename $d)"
		softdfu flash --no-leave --path $(basename $d) %[1]s.bin
		echo "%[1]s SOFTDFU rc=$?"
	fi
done
`, name, serial, vid)
	}
	script.WriteString("echo '--- end'\n")
	res, err := Run(ctx, script.String(), Options{Files: files, Softdfu: bin, Timeout: 20 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v; guest output:\n%s", res.Elapsed, res.Output)
	for _, name := range familyBoards {
		for _, want := range []string{name + " DOWNLOAD rc=0", name + " UPLOAD rc=0", name + " READBACK MATCHES", name + " SOFTDFU rc=0"} {
			if !strings.Contains(res.Output, want) {
				t.Errorf("guest output lacks %q", want)
			}
		}
	}
}
