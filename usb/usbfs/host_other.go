//go:build !linux

package usbfs

import (
	"context"

	"github.com/softdfu/softdfu/usb"
)

const supported = false

// Open answers ErrNotLinux: usbfs exists only on Linux.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	return nil, ErrNotLinux
}
