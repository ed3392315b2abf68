package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
)

// TestSoftdfuUSBFS runs softdfu itself, as a static binary inside the
// guest, through the Linux kernel's usbfs (vhci-hcd importing `softdfu sim`
// on the host): list, flash with verify and leave, flash with --no-leave,
// and read back.
func TestSoftdfuUSBFS(t *testing.T) {
	needVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := BuildSoftdfu(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	port, ctrl := freePort(t), freePort(t)
	startServerCommand(t, ctx, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", ctrl))
	app := sim.AppImage(sim.Boards["discovery-f407"].Part, "runtime", 40000)
	guest := softdfuScript(port, ctrl, len(app))
	res, err := Run(ctx, guest, Options{Files: map[string][]byte{"app.bin": app}, Softdfu: bin, Timeout: 8 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v; guest output:\n%s", res.Elapsed, res.Output)
	for _, want := range []string{
		"dfu   0483:df11", "alt 0: @Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "LIST rc=0",
		"verified 40000 bytes", "stays in the ROM bootloader", "NOLEAVE rc=0",
		"READ rc=0", "READBACK MATCHES",
		"application started: 0483:df12", "FLASH rc=0",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("guest output lacks %q", want)
		}
	}
}

// softdfuScript is the guest script of the softdfu checks: attach the
// board, list, flash --no-leave, read back, flash and leave.
func softdfuScript(port, ctrl, n int) string {
	return attachScript(port) + fmt.Sprintf(`
button() { echo "$1" | nc -w 3 10.0.2.2 %[1]d; }
# A board that re-enumerates over USB/IP must be imported again: keep
# attaching in the background, as a user's script would.
reattach() { while true; do usbip --tcp-port %[2]d attach -r 10.0.2.2 -b 1-1 >/dev/null 2>&1; sleep 0.3; done; }
attach || exit 1
echo "--- softdfu list"
softdfu list
echo "LIST rc=$?"
echo "--- softdfu flash --no-leave"
softdfu flash --no-leave app.bin
echo "NOLEAVE rc=$?"
echo "--- softdfu read"
softdfu read --address 0x08000000 --length %[3]d back.bin
echo "READ rc=$?"
cmp app.bin back.bin && echo "READBACK MATCHES"
echo "--- softdfu flash (verify, leave, wait for the application)"
reattach &
softdfu flash --app-timeout 20s app.bin
echo "FLASH rc=$?"
kill %%1
echo "--- end"
`, ctrl, port, n)
}
