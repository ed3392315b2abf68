package backend

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// refusing lists a world's devices but opens none of them.
type refusing struct {
	w   *sim.World
	err error
}

func (r refusing) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	infos, err := r.w.Devices(ctx)
	for i := range infos {
		infos[i].Host = "native"
	}
	return infos, err
}

func (r refusing) Open(context.Context, usb.DeviceInfo) (usb.Device, error) {
	return nil, fmt.Errorf("native: %w", r.err)
}

func TestFallback(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "discovery-f407", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	f := &Fallback{Native: refusing{w, usb.ErrNoDriver}, Libusb: w}
	infos, err := f.Devices(ctx)
	if err != nil || len(infos) != 1 || infos[0].Host != "native" {
		t.Fatalf("devices %v %v", infos, err)
	}
	d, err := f.Open(ctx, infos[0])
	if err != nil {
		t.Fatalf("open with a native refusal: %v, want the libusb device", err)
	}
	if d.Info().Host != "sim" {
		t.Errorf("opened through %q", d.Info().Host)
	}
	d.Close()
	f.Native = refusing{w, usb.ErrGone}
	if _, err := f.Open(ctx, infos[0]); !errors.Is(err, usb.ErrGone) {
		t.Errorf("gone device: %v, want ErrGone without trying libusb", err)
	}
	// Both refuse: the error carries the native reason.
	f.Native, f.Libusb = refusing{w, usb.ErrNoDriver}, refusing{w, usb.ErrPermission}
	if _, err := f.Open(ctx, infos[0]); !errors.Is(err, usb.ErrNoDriver) {
		t.Errorf("both refuse: %v, want the native ErrNoDriver", err)
	}
}

func TestNew(t *testing.T) {
	for _, n := range []string{"", "auto", "native", "libusb", "LIBUSB"} {
		if h, err := New(n); err != nil || h == nil {
			t.Errorf("New(%q) = %v, %v", n, h, err)
		}
	}
	if _, err := New("winusb"); err == nil {
		t.Error("New(winusb) accepted")
	}
}
