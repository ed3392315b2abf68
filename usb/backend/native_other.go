//go:build !linux && !windows && !darwin

package backend

import (
	"context"
	"errors"

	"github.com/softdfu/softdfu/usb"
)

// none is the native host of a system without one.
type none struct{}

func (none) Devices(context.Context) ([]usb.DeviceInfo, error) { return nil, errNoNative }
func (none) Open(context.Context, usb.DeviceInfo) (usb.Device, error) {
	return nil, errNoNative
}

func native() usb.Host { return none{} }

// errNoNative is what the native host of a system without one answers.
var errNoNative = errors.New("no native USB backend on this system: use the libusb backend, a simulated board or USB/IP")
