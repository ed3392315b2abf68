package libusb

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

// TestDevices lists the simulated boards (not the root hub) with port
// paths and the descriptors read through a short open.
func TestDevices(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"}, sim.Spec{Board: "feather-f405"})
	h := &Host{lib: f}
	infos, err := h.Devices(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Path != "1-1" || infos[1].Path != "1-2" || infos[0].Host != HostName {
		t.Fatalf("devices = %v", infos)
	}
	if infos[0].ID() != "0483:df11" || infos[0].Descriptors.ProductName() != "STM32  BOOTLOADER" || len(infos[0].Descriptors.Configs) != 1 || infos[0].Descriptors.Serial() == "" {
		t.Errorf("rom = %+v", infos[0].Descriptors)
	}
	if f.closes != 2 || len(f.opened) != 0 {
		t.Errorf("%d closes, %d left open after listing", f.closes, len(f.opened))
	}
}

// TestFlash drives the ROM through the backend with the dfu engine.
func TestFlash(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{lib: f}
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
	if len(f.claims) == 0 || f.claims[0] != 0 {
		t.Errorf("claims %v, want interface 0", f.claims)
	}
}

// TestOpenRefused: a DFU-mode device libusb cannot open is listed with the
// reason, and opening it says the same.
func TestOpenRefused(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	f.openErr = errNotSupported
	h := &Host{lib: f}
	infos, err := h.Devices(testCtx(t))
	if err != nil || len(infos) != 1 {
		t.Fatalf("devices %v, %v", infos, err)
	}
	if !strings.Contains(infos[0].Problem, "LIBUSB_ERROR_NOT_SUPPORTED") {
		t.Errorf("problem %q", infos[0].Problem)
	}
	if _, err := h.Open(testCtx(t), infos[0]); !errors.Is(err, usb.ErrNoDriver) {
		t.Errorf("open: %v, want ErrNoDriver", err)
	}
	f.openErr = errAccess
	if _, err := h.Open(testCtx(t), infos[0]); !errors.Is(err, usb.ErrPermission) {
		t.Errorf("open: %v, want ErrPermission", err)
	}
}

// TestCancel: a transfer libusb does not finish returns when the context
// ends; the next call waits for it.
func TestCancel(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{lib: f}
	infos, _ := h.Devices(testCtx(t))
	dev, err := h.Open(testCtx(t), infos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	f.hang, f.entered = make(chan struct{}), make(chan struct{}, 1)
	f.hangOnce.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-f.entered
		cancel()
	}()
	_, err = dev.Control(ctx, usb.ClassInterfaceIn(uint8(dfu.ReqGetStatus), 0, 0, 6), make([]byte, 6))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	close(f.hang)
	if _, err := dev.Control(testCtx(t), usb.ClassInterfaceIn(uint8(dfu.ReqGetStatus), 0, 0, 6), make([]byte, 6)); err != nil {
		t.Errorf("after the cancelled one: %v", err)
	}
}

// TestTranslate maps each libusb error to package usb's.
func TestTranslate(t *testing.T) {
	for c, want := range map[code]error{
		errPipe: usb.ErrStall, errTimeout: usb.ErrTimeout, errNoDevice: usb.ErrGone, errNotFound: usb.ErrGone,
		errAccess: usb.ErrPermission, errBusy: usb.ErrBusy, errNotSupported: usb.ErrNoDriver,
	} {
		if got := translate(usb.DeviceInfo{}, "op", c); !errors.Is(got, want) || !strings.Contains(got.Error(), c.Error()) {
			t.Errorf("translate(%v) = %v, want %v", c, got, want)
		}
	}
	if got := translate(usb.DeviceInfo{}, "op", errIO); !errors.Is(got, errIO) {
		t.Errorf("translate(IO) = %v", got)
	}
	if code(-42).Error() != "libusb error -42" {
		t.Errorf("unknown code: %v", code(-42))
	}
}

func TestTimeout(t *testing.T) {
	if timeout(context.Background()) != DefaultTimeout {
		t.Error("no deadline")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if timeout(ctx) != MaxTimeout {
		t.Error("long deadline")
	}
}
