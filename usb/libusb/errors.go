package libusb

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/softdfu/softdfu/usb"
)

// translate turns a libusb error from op into one of package usb's,
// keeping libusb's name in the message.
func translate(info usb.DeviceInfo, op string, err error) error {
	if err == nil {
		return nil
	}
	var c code
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &c) {
		return fmt.Errorf("libusb: %s on %s: %w", op, info.ID(), err)
	}
	var kind error
	hint := ""
	switch c {
	case errPipe:
		kind = usb.ErrStall
	case errTimeout:
		kind = usb.ErrTimeout
	case errNoDevice, errNotFound:
		kind, hint = usb.ErrGone, "; scan again"
	case errAccess:
		kind, hint = usb.ErrPermission, permissionHint()
	case errBusy:
		kind, hint = usb.ErrBusy, "; another program or driver holds it: close it"
	case errNotSupported:
		kind, hint = usb.ErrNoDriver, notSupportedHint()
	default:
		return fmt.Errorf("libusb: %s on %s: %w", op, info.ID(), c)
	}
	return fmt.Errorf("libusb: %s on %s: %w (%s)%s", op, info.ID(), kind, c, hint)
}

func permissionHint() string {
	if runtime.GOOS == "linux" {
		return "; the device node needs a udev rule giving you access (softdfu udev-rules), or run as root"
	}
	return "; another driver or program may hold it"
}

func notSupportedHint() string {
	if runtime.GOOS == "windows" {
		return "; on Windows libusb needs the WinUSB driver on the device: install it with Zadig (https://zadig.akeo.ie): Options > List All Devices, pick the device, WinUSB, Replace Driver"
	}
	return ""
}
