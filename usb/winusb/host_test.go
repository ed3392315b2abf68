package winusb

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestDevicesListsEveryDriver: a ROM bootloader with WinUSB and an
// application with usbser are both listed, with their descriptors read
// through the hub, port paths, serials and the application's COM port.
func TestDevicesListsEveryDriver(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"}, sim.Spec{Board: "feather-f405"})
	h := &Host{sys: f}
	infos, err := h.Devices(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("devices = %v, want 2 (the root hub is not one)", infos)
	}
	rom, app := infos[0], infos[1]
	if rom.ID() != "0483:df11" || rom.Path != "1-1" || rom.Bus != 1 || rom.Host != HostName || rom.Problem != "" {
		t.Errorf("rom = %+v", rom)
	}
	if rom.Descriptors.ProductName() != "STM32  BOOTLOADER" || rom.Descriptors.Serial() == "" || len(rom.Descriptors.Configs) != 1 {
		t.Errorf("rom descriptors = %+v", rom.Descriptors)
	}
	// Every alternate setting's DfuSe layout string came through the hub.
	for _, itf := range rom.Descriptors.Configs[0].Interfaces {
		if !strings.HasPrefix(rom.Descriptors.String(itf.StringIndex), "@") {
			t.Errorf("alt %d string %q, want a DfuSe layout", itf.Alternate, rom.Descriptors.String(itf.StringIndex))
		}
	}
	if app.Path != "1-2" || len(app.Ports) != 1 || app.Ports[0] != "COM4" {
		t.Errorf("app = %v ports %v, want 1-2 with COM4 (matched by VID, PID and serial in any case)", app, app.Ports)
	}
}

// TestFlashThroughWinUSB drives the ROM through the backend with the dfu
// engine: open, erase, download, read back, leave; the old handle then
// answers ErrGone and Open of the old info too.
func TestFlashThroughWinUSB(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{sys: f}
	ctx := testCtx(t)
	infos, err := h.Devices(ctx)
	if err != nil || len(infos) != 1 {
		t.Fatalf("devices %v, %v", infos, err)
	}
	dev, err := h.Open(ctx, infos[0])
	if err != nil {
		t.Fatal(err)
	}
	c, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := sim.AppImage(sim.Boards["discovery-f407"].Part, "runtime", 5000)
	if err := c.Erase(ctx, 0x08000000); err != nil {
		t.Fatal(err)
	}
	if err := c.Download(ctx, 0x08000000, app, nil); err != nil {
		t.Fatal(err)
	}
	back, err := c.Upload(ctx, 0x08000000, len(app), nil)
	if err != nil || !bytes.Equal(back, app) {
		t.Fatalf("read back %d bytes (%v), differs from the %d written", len(back), err, len(app))
	}
	if err := c.Leave(ctx, nil); err != nil {
		t.Fatalf("leave: %v", err)
	}
	for {
		_, err := c.GetStatus(ctx)
		if errors.Is(err, usb.ErrGone) {
			break
		}
		if err != nil {
			t.Fatalf("after leave: %v, want ErrGone", err)
		}
		time.Sleep(time.Millisecond)
	}
	if err := dev.Close(); err != nil {
		t.Errorf("close after leave: %v", err)
	}
	if _, err := h.Open(ctx, infos[0]); !errors.Is(err, usb.ErrGone) {
		t.Errorf("open of the bootloader after leave: %v, want ErrGone", err)
	}
	fh := f.handles[0]
	if !fh.closed || len(fh.alts) == 0 || fh.alts[0] != 0 {
		t.Errorf("handle closed %v alts %v", fh.closed, fh.alts)
	}
}

// TestNoWinUSBDriver: a ROM bootloader with ST's driver or none is listed
// with a problem naming it, its driver and the Zadig steps, and Open fails
// with ErrNoDriver saying the same.
func TestNoWinUSBDriver(t *testing.T) {
	for _, tc := range []struct {
		driver   string
		noDriver bool
		want     []string
	}{
		{driver: "STTub30", want: []string{`"STM32  BOOTLOADER"`, "STTub30", "Zadig", "List All Devices", "0483 DF11", "WinUSB", "Replace Driver", "Roll Back Driver"}},
		{noDriver: true, want: []string{"no driver", "Other devices", "Install Driver"}},
		{driver: "libusbK", want: []string{`"libusbK"`, "Replace Driver"}},
	} {
		f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
		f.driver, f.noDriver = tc.driver, tc.noDriver
		h := &Host{sys: f}
		ctx := testCtx(t)
		infos, err := h.Devices(ctx)
		if err != nil || len(infos) != 1 {
			t.Fatalf("devices %v, %v", infos, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(infos[0].Problem, w) {
				t.Errorf("driver %q: problem %q lacks %q", tc.driver, infos[0].Problem, w)
			}
		}
		_, err = h.Open(ctx, infos[0])
		if !errors.Is(err, usb.ErrNoDriver) || !strings.Contains(err.Error(), "Zadig") {
			t.Errorf("driver %q: open: %v, want ErrNoDriver with the steps", tc.driver, err)
		}
	}
}

// TestTimeoutFromDeadline: the pipe timeout is the context's remaining
// time, DefaultTimeout without a deadline, at most MaxTimeout.
func TestTimeoutFromDeadline(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{sys: f}
	infos, _ := h.Devices(testCtx(t))
	dev, err := h.Open(testCtx(t), infos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	status := usb.ClassInterfaceIn(uint8(dfu.ReqGetStatus), 0, 0, 6)
	buf := make([]byte, 6)
	for _, tc := range []struct {
		d        time.Duration // 0: no deadline
		min, max time.Duration
	}{
		{0, DefaultTimeout, DefaultTimeout},
		{time.Hour, MaxTimeout, MaxTimeout},
		{3 * time.Second, time.Second, 3 * time.Second},
	} {
		ctx := context.Background()
		if tc.d > 0 {
			var cancel func()
			ctx, cancel = context.WithTimeout(ctx, tc.d)
			defer cancel()
		}
		if _, err := dev.Control(ctx, status, buf); err != nil {
			t.Fatal(err)
		}
		fh := f.handles[0]
		got := fh.timeouts[len(fh.timeouts)-1]
		if got < tc.min || got > tc.max {
			t.Errorf("deadline %v: pipe timeout %v, want %v..%v", tc.d, got, tc.min, tc.max)
		}
	}
}

// TestCancel: a transfer the device does not answer ends when the
// context is cancelled, by cancelling the handle's I/O, and reports the
// context's error; an expired deadline is ErrTimeout.
func TestCancel(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{sys: f}
	infos, _ := h.Devices(testCtx(t))
	dev, err := h.Open(testCtx(t), infos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	f.hang, f.entered = true, make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-f.entered
		cancel()
	}()
	_, err = dev.Control(ctx, usb.ClassInterfaceIn(uint8(dfu.ReqGetStatus), 0, 0, 6), make([]byte, 6))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled control: %v, want context.Canceled", err)
	}
	if f.handles[0].cancelCount() == 0 {
		t.Error("the handle's I/O was not cancelled")
	}
	f.hang = false
	f.err = errSemTimeout
	_, err = dev.Control(context.Background(), usb.ClassInterfaceIn(uint8(dfu.ReqGetStatus), 0, 0, 6), make([]byte, 6))
	if !errors.Is(err, usb.ErrTimeout) {
		t.Errorf("timed-out control: %v, want ErrTimeout", err)
	}
}

func (h *fakeHandle) cancelCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cancels
}

// TestTranslate maps each Windows error to package usb's.
func TestTranslate(t *testing.T) {
	info := usb.DeviceInfo{}
	for _, tc := range []struct {
		err  error
		want error
	}{
		{errGenFailure, usb.ErrStall},
		{errSemTimeout, usb.ErrTimeout},
		{errDeviceNotConnected, usb.ErrGone},
		{errNoSuchDevice, usb.ErrGone},
		{errFileNotFound, usb.ErrGone},
		{errBadCommand, usb.ErrGone},
		{errAccessDenied, usb.ErrBusy},
		{errSharingViolation, usb.ErrBusy},
		{context.Canceled, context.Canceled},
	} {
		if got := translate(info, "op", tc.err); !errors.Is(got, tc.want) {
			t.Errorf("translate(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if translate(info, "op", nil) != nil {
		t.Error("translate(nil) is not nil")
	}
	if err := translate(info, "op", errAccessDenied); !strings.Contains(err.Error(), "another program") {
		t.Errorf("busy error %q does not say what holds the device", err)
	}
}

// TestClaimOtherInterface: WinUSB opens one interface; another is refused
// with a reason.
func TestClaimOtherInterface(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{sys: f}
	infos, _ := h.Devices(testCtx(t))
	dev, err := h.Open(testCtx(t), infos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if err := dev.Claim(testCtx(t), 0); err != nil {
		t.Errorf("claim 0: %v", err)
	}
	if err := dev.Claim(testCtx(t), 1); err == nil || !strings.Contains(err.Error(), "composite") {
		t.Errorf("claim 1: %v, want a refusal that explains", err)
	}
}
