package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// Fallback is the native host, with a second one (libusb) that opens the
// devices the native one cannot.
type Fallback struct {
	Native, Libusb usb.Host
}

var _ usb.Host = (*Fallback)(nil)

// Devices lists the native host's devices, or libusb's when the native
// host cannot list at all.
func (f *Fallback) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	infos, err := f.Native.Devices(ctx)
	if err == nil {
		return infos, nil
	}
	alt, aerr := f.Libusb.Devices(ctx)
	if aerr != nil {
		return nil, fmt.Errorf("%w; libusb: %v", err, aerr)
	}
	return alt, nil
}

// Open opens a device with the host that listed it; when the native one
// cannot (but the device is there), it opens the same device (vendor,
// product, serial) through libusb, and otherwise reports both failures.
func (f *Fallback) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	if info.Host == "libusb" {
		return f.Libusb.Open(ctx, info)
	}
	d, err := f.Native.Open(ctx, info)
	if err == nil || errors.Is(err, usb.ErrGone) || ctx.Err() != nil {
		return d, err
	}
	alts, lerr := f.Libusb.Devices(ctx)
	if lerr != nil {
		return nil, fmt.Errorf("%w (libusb, tried next: %v)", err, lerr)
	}
	var same []usb.DeviceInfo
	for _, a := range alts {
		if a.ID() == info.ID() && strings.EqualFold(a.Descriptors.Serial(), info.Descriptors.Serial()) {
			same = append(same, a)
		}
	}
	if len(same) != 1 {
		return nil, fmt.Errorf("%w (libusb, tried next, sees %d devices %s serial %q)", err, len(same), info.ID(), info.Descriptors.Serial())
	}
	d, lerr = f.Libusb.Open(ctx, same[0])
	if lerr != nil {
		return nil, fmt.Errorf("%w (libusb, tried next: %v)", err, lerr)
	}
	return d, nil
}
