package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
)

// TestSoftdfuLibusb runs softdfu built with the libusb backend (-tags
// libusb: dynamically linked, libusb-1.0 loaded at run time without cgo)
// inside the guest, through libusb and the Linux kernel's usbfs, the path
// dfu-util takes: list, flash --no-leave, read back, flash and leave.
func TestSoftdfuLibusb(t *testing.T) {
	needVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := BuildSoftdfu(ctx, t.TempDir(), "libusb")
	if err != nil {
		t.Fatal(err)
	}
	port, ctrl := freePort(t), freePort(t)
	startServerCommand(t, ctx, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", ctrl))
	app := sim.AppImage(sim.Boards["discovery-f407"].Part, "runtime", 40000)
	guest := "export SOFTDFU_BACKEND=libusb\n" + softdfuScript(port, ctrl, len(app)) + `
softdfu --backend usbfs list >/dev/null 2>&1 || echo "NO USBFS BACKEND NAME"
`
	guest = strings.Replace(guest, "softdfu list\n", "softdfu list\nsoftdfu --json list | grep -o '\"host\": *\"[a-z]*\"' | sort -u\n", 1)
	res, err := Run(ctx, guest, Options{Files: map[string][]byte{"app.bin": app}, Softdfu: bin, Timeout: 8 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v; guest output:\n%s", res.Elapsed, res.Output)
	for _, want := range []string{
		`"host": "libusb"`,
		"dfu   0483:df11", "alt 0: @Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "LIST rc=0",
		"verified 40000 bytes", "stays in the ROM bootloader", "NOLEAVE rc=0",
		"READ rc=0", "READBACK MATCHES",
		"application started: 0483:df12", "FLASH rc=0",
		"NO USBFS BACKEND NAME",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("guest output lacks %q", want)
		}
	}
}
