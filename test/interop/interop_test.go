package interop

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbip"
)

func needVM(t *testing.T) {
	t.Helper()
	if !Enabled() {
		t.Skipf("boots a QEMU VM; set %s=1 to run", EnvEnable)
	}
}

// dfuGadget is a control-only device that looks like a DFU bootloader to
// enumeration and `dfu-util -l`: a DFU-mode interface with two alternate
// settings named by DfuSe memory layout strings, GETSTATUS answering dfuIDLE.
type dfuGadget struct {
	desc *usb.Descriptors
	gone chan struct{}
}

func newDFUGadget() *dfuGadget {
	functional := []byte{9, usb.DescDFUFunctional, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01}
	return &dfuGadget{
		desc: &usb.Descriptors{
			Device: usb.DeviceDescriptor{USB: 0x0200, MaxPacketSize0: 64, Vendor: 0x1209, Product: 0xcafe, Device: 0x0100,
				ManufacturerIndex: 1, ProductIndex: 2, SerialIndex: 3, NumConfigurations: 1},
			Configs: []usb.ConfigDescriptor{{Value: 1, Attributes: 0xc0, MaxPower: 50, Interfaces: []usb.InterfaceDescriptor{
				{Number: 0, Alternate: 0, Class: 0xfe, SubClass: 1, Protocol: 2, StringIndex: 4, Extra: [][]byte{functional}},
				{Number: 0, Alternate: 1, Class: 0xfe, SubClass: 1, Protocol: 2, StringIndex: 5, Extra: [][]byte{functional}},
			}}},
			Strings: map[uint8]string{1: "softdfu", 2: "interop harness gadget", 3: "HARNESS0001",
				4: "@Internal Flash  /0x08000000/04*016Kg", 5: "@Option Bytes  /0x1FFFC000/01*016 g"},
		},
		gone: make(chan struct{}),
	}
}

func (g *dfuGadget) Descriptors() *usb.Descriptors { return g.desc }
func (g *dfuGadget) Gone() <-chan struct{}         { return g.gone }
func (g *dfuGadget) Transfer(context.Context, uint8, []byte, int) ([]byte, error) {
	return nil, usb.ErrStall
}

func (g *dfuGadget) Control(ctx context.Context, s usb.Setup, out []byte) ([]byte, error) {
	switch {
	case s.Type() == usb.TypeStandard && s.Request == usb.ReqGetDescriptor:
		if b, ok := g.desc.Answer(s); ok {
			return b, nil
		}
		return nil, usb.ErrStall
	case s.Type() == usb.TypeStandard && s.Request == usb.ReqGetStatus:
		return []byte{0, 0}, nil
	case s.Type() == usb.TypeStandard && s.Request == usb.ReqGetConfiguration:
		return []byte{1}, nil
	case s.Type() == usb.TypeStandard:
		return nil, nil
	case s.RequestType == 0xa1 && s.Request == 3: // DFU GETSTATUS: OK, dfuIDLE
		return []byte{0, 0, 0, 0, 2, 0}, nil
	case s.RequestType == 0xa1 && s.Request == 5: // DFU GETSTATE
		return []byte{2}, nil
	}
	return nil, usb.ErrStall
}

type oneBoard struct{ g usb.Gadget }

func (b oneBoard) Ports() []string                 { return []string{"1-1"} }
func (b oneBoard) Attached(port string) usb.Gadget { return b.g }
func (b oneBoard) Changed() <-chan struct{}        { return nil }

// attachScript is AttachScript, for this package's tests.
func attachScript(port int) string { return AttachScript(port) }

// TestHarness proves the VM harness end to end: the guest's kernel imports a
// gadget served by this package's server, enumerates it, and the real
// usbip and dfu-util see it.
func TestHarness(t *testing.T) {
	needVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := Prepare(ctx, Options{}); err != nil {
		t.Fatal(err)
	}
	l, err := usbip.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := usbip.NewServer(oneBoard{newDFUGadget()}, usbip.ServerOptions{})
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { srv.Serve(sctx, l) })
	defer wg.Wait()
	defer stop()
	port := l.Addr().(*net.TCPAddr).Port

	guest := attachScript(port) + fmt.Sprintf(`
echo "--- uptime at start of guest script: $(cut -d' ' -f1 /proc/uptime) s"
echo "--- usbip list"
usbip --tcp-port %[1]d list -r %[2]s
echo "--- attach (uptime $(cut -d' ' -f1 /proc/uptime) s)"
attach || exit 1
echo "--- usbip port (uptime $(cut -d' ' -f1 /proc/uptime) s)"
usbip port
echo "--- sysfs"
for d in /sys/bus/usb/devices/*; do
	[ -f $d/idVendor ] || continue
	echo "$(basename $d) $(cat $d/idVendor):$(cat $d/idProduct) speed=$(cat $d/speed) product=\"$(cat $d/product)\" serial=$(cat $d/serial)"
done
echo "--- dfu-util -l (uptime $(cut -d' ' -f1 /proc/uptime) s)"
dfu-util -l
echo "--- end (uptime $(cut -d' ' -f1 /proc/uptime) s)"
`, port, GuestHost)
	res, err := Run(ctx, guest, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v; guest output:\n%s", res.Elapsed, res.Output)
	for _, want := range []string{
		"1-1: unknown vendor : unknown product (1209:cafe)", // usbip list (no usb.ids in the VM)
		"1209:cafe speed=12 product=\"interop harness gadget\" serial=HARNESS0001",
		`Found DFU: [1209:cafe] ver=0100, devnum=2, cfg=1, intf=0, path="`,
		`alt=1, name="@Option Bytes  /0x1FFFC000/01*016 g", serial="HARNESS0001"`,
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("guest output lacks %q", want)
		}
	}
	if res.ExitCode != 0 {
		t.Errorf("guest script exit code %d", res.ExitCode)
	}
}

// startServerCommand starts ServerCommand on addr and waits until it accepts
// connections. It skips the test when the command is not available yet.
func startServerCommand(t *testing.T, ctx context.Context, addr, control string) {
	t.Helper()
	line := ServerCommand()
	if strings.Contains(line, "{softdfu}") {
		bin, err := BuildSoftdfu(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		line = strings.ReplaceAll(line, "{softdfu}", bin)
	}
	line = strings.ReplaceAll(line, "{addr}", addr)
	line = strings.ReplaceAll(line, "{control}", control)
	f := strings.Fields(line)
	cmd := exec.CommandContext(ctx, f[0], f[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %q: %v", line, err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if i == 300 {
			t.Fatalf("%q does not accept connections on %s: %v", line, addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDfuUtil runs Debian's dfu-util 0.11 through the kernel's USB/IP client
// against the simulated ROM bootloader of a Discovery F407 (`softdfu sim`):
// list, mass erase, download and read back, then download with :leave, after
// which the board runs the application and re-enumerates as it.
//
// The read-back comes before the :leave download because after a leave the
// board runs the application and nothing in the guest can bring it back to
// the bootloader (the run-time persona does not act on DFU_DETACH yet).
func TestDfuUtil(t *testing.T) {
	needVM(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	port, ctrl := freePort(t), freePort(t)
	startServerCommand(t, ctx, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", ctrl))
	// An application that enumerates as a DFU run-time device once started.
	app := sim.AppImage(sim.Boards["discovery-f407"].Part, "runtime", 10*1024+123)
	guest := attachScript(port) + fmt.Sprintf(`
# The board's BOOT0 pin and reset button, pressed over softdfu sim --control.
button() { echo "$1" | nc -w 3 10.0.2.2 %[2]d; }
attach || exit 1
echo "--- dfu-util -l"
dfu-util -l
echo "--- download and leave (uptime $(cut -d' ' -f1 /proc/uptime) s)"
dfu-util -a 0 -s 0x08000000:leave -D app.bin
echo "LEAVE rc=$?"
echo "--- the application re-enumerates"
sleep 1
attach || exit 1
for d in /sys/bus/usb/devices/*-*; do
	[ -f $d/idVendor ] && echo "DEVICE $(cat $d/idVendor):$(cat $d/idProduct) $(cat $d/product)"
done
echo "--- BOOT0 high + reset: back to the ROM bootloader"
detach
button "dfu 1-1"
attach || exit 1
echo "--- upload"
dfu-util -a 0 -s 0x08000000:%[1]d -U back.bin
echo "UPLOAD rc=$?"
cmp app.bin back.bin && echo "READBACK MATCHES"
echo "--- mass erase (uptime $(cut -d' ' -f1 /proc/uptime) s)"
dfu-util -a 0 -s 0x08000000:mass-erase:force
echo "MASS ERASE rc=$?"
dfu-util -a 0 -s 0x08000000:16 -U erased.bin
head -c 16 /dev/zero | tr '\000' '\377' > ff.bin
cmp erased.bin ff.bin && echo "ERASED"
echo "--- end (uptime $(cut -d' ' -f1 /proc/uptime) s)"
`, len(app), ctrl)
	res, err := Run(ctx, guest, Options{Files: map[string][]byte{"app.bin": app}, Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v; guest output:\n%s", res.Elapsed, res.Output)
	for _, want := range []string{
		`name="@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"`,
		`name="@Option Bytes  /0x1FFFC000/01*016 g"`,
		`name="@OTP Memory /0x1FFF7800/01*512 g,01*016 g"`,
		`name="@Device Feature/0xFFFF0000/01*004 g"`,
		// dfu-util 0.11 reports an error (exit 74) on the GETSTATUS after
		// :leave when the board drops off the bus, as the real ROM does.
		"File downloaded successfully\nSubmitting leave request...",
		"DEVICE 0483:df12 DFU run-time application",
		"1-1: rom-bootloader",
		"UPLOAD rc=0", "READBACK MATCHES", "MASS ERASE rc=0", "ERASED",
	} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("guest output lacks %q", want)
		}
	}
}
