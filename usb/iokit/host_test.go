package iokit

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

func TestPortPath(t *testing.T) {
	for loc, want := range map[uint32]string{0x14200000: "20-2", 0x14210000: "20-2.1", 0x01123450: "1-1.2.3.4.5", 0x00100000: "0-1"} {
		if got := portPath(loc); got != want {
			t.Errorf("portPath(%#x) = %q, want %q", loc, got, want)
		}
	}
}

// TestDevices lists a ROM and an application with descriptors read
// through the device interface and the application's callout device.
func TestDevices(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"}, sim.Spec{Board: "feather-f405"})
	infos, err := (&Host{sys: f}).Devices(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Path != "20-1" || infos[1].Path != "20-2" || infos[0].Host != HostName {
		t.Fatalf("devices = %v", infos)
	}
	if infos[0].Descriptors.ProductName() != "STM32  BOOTLOADER" || len(infos[0].Descriptors.Configs) != 1 {
		t.Errorf("rom descriptors %+v", infos[0].Descriptors)
	}
	if len(infos[1].Ports) != 1 || !strings.HasPrefix(infos[1].Ports[0], "/dev/cu.usbmodem") {
		t.Errorf("app ports %v", infos[1].Ports)
	}
	for _, h := range f.handles {
		if !h.closed || h.excl {
			t.Errorf("listing left a handle open (%v) or opened one exclusively (%v)", !h.closed, h.excl)
		}
	}
}

// TestFlash drives the ROM through the backend with the dfu engine.
func TestFlash(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{sys: f}
	ctx := testCtx(t)
	infos, _ := h.Devices(ctx)
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
		t.Fatalf("read back %d bytes (%v)", len(back), err)
	}
	if err := c.Leave(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for {
		_, err := c.GetStatus(ctx)
		if errors.Is(err, usb.ErrGone) {
			break
		}
		if err != nil {
			t.Fatalf("after leave: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	if err := dev.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if _, err := h.Open(ctx, infos[0]); !errors.Is(err, usb.ErrGone) {
		t.Errorf("reopen after leave: %v, want ErrGone", err)
	}
	if _, err := dev.Transfer(ctx, 0x81, make([]byte, 8)); !errors.Is(err, ErrNoBulk) {
		t.Errorf("transfer: %v", err)
	}
}

// TestOpenErrors: another program holding the device is ErrBusy; a
// device that cannot be opened at all is listed with its problem.
func TestOpenErrors(t *testing.T) {
	f := newFake(t, sim.Spec{Board: "discovery-f407", Mode: "dfu"})
	h := &Host{sys: f}
	infos, _ := h.Devices(testCtx(t))
	f.excluded = true
	if _, err := h.Open(testCtx(t), infos[0]); !errors.Is(err, usb.ErrBusy) || !strings.Contains(err.Error(), "another program") {
		t.Errorf("open of a held device: %v", err)
	}
	f.openErr = kIOReturnNotPrivileged
	infos, _ = h.Devices(testCtx(t))
	if !strings.Contains(infos[0].Problem, "permission") {
		t.Errorf("problem %q", infos[0].Problem)
	}
}

// TestCancel: a request the device does not answer is aborted when the
// context ends.
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
	go func() { <-f.entered; cancel() }()
	_, err = dev.Control(ctx, usb.ClassInterfaceIn(uint8(dfu.ReqGetStatus), 0, 0, 6), make([]byte, 6))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if f.handles[len(f.handles)-1].aborts == 0 {
		t.Error("not aborted")
	}
}

func TestTranslate(t *testing.T) {
	for r, want := range map[ioReturn]error{
		kIOUSBPipeStalled: usb.ErrStall, kIOReturnTimeout: usb.ErrTimeout, kIOUSBTransactionTimeout: usb.ErrTimeout,
		kIOReturnNoDevice: usb.ErrGone, kIOReturnNotResponding: usb.ErrGone, kIOReturnExclusiveAccess: usb.ErrBusy,
		kIOReturnNotPrivileged: usb.ErrPermission,
	} {
		if got := translate(usb.DeviceInfo{}, "op", r); !errors.Is(got, want) {
			t.Errorf("translate(%v) = %v, want %v", r, got, want)
		}
	}
	if got := translate(usb.DeviceInfo{}, "op", kIOReturnNotOpen); !errors.Is(got, kIOReturnNotOpen) {
		t.Errorf("translate(not open) = %v", got)
	}
}
