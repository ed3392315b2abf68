package interop

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestEnterThroughTTY runs `softdfu enter` inside the guest against a
// board running its CircuitPython-like application: the guest kernel's
// cdc_acm driver makes /dev/ttyACM0, softdfu types the CircuitPython
// commands into it (go.bug.st/serial), the board resets into the ROM
// bootloader, re-enumerates, and softdfu finds the same board again by its
// predicted ROM serial.
func TestEnterThroughTTY(t *testing.T) {
	needVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := BuildSoftdfu(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	t.Setenv(EnvServer, "{softdfu} sim --listen {addr} --sim feather-f405")
	startServerCommand(t, ctx, fmt.Sprintf("127.0.0.1:%d", port), "")
	guest := attachScript(port) + fmt.Sprintf(`
reattach() { while true; do usbip --tcp-port %[1]d attach -r 10.0.2.2 -b 1-1 >/dev/null 2>&1; sleep 0.3; done; }
attach || exit 1
i=0; while [ ! -e /dev/ttyACM0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
ls /dev/ttyACM*
echo "--- softdfu list"
softdfu list --json | grep -E '"(id|mode|serial)"|ttyACM'
echo "--- softdfu enter"
reattach &
softdfu enter --timeout 30s
echo "ENTER rc=$?"
kill %%1
softdfu list
echo "--- end"
`, port)
	res, err := Run(ctx, guest, Options{Softdfu: bin, Timeout: 8 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v; guest output:\n%s", res.Elapsed, res.Output)
	for _, want := range []string{
		"/dev/ttyACM0", `"mode": "app"`, "entered the ROM bootloader with repl", "serial 325E35633334", "ENTER rc=0",
		"dfu   0483:df11  325E35633334",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("guest output lacks %q", want)
		}
	}
}
