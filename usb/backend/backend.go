// Package backend picks the operating system's USB host by name: "native"
// (usbfs on Linux, WinUSB on Windows, IOKit on macOS), "libusb" (libusb-1.0
// loaded at run time) or "auto", the default: native, falling back to
// libusb on macOS and Windows for a device the native backend cannot open.
package backend

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/libusb"
)

// Names are the backend names New takes.
var Names = []string{"auto", "native", "libusb"}

// New returns the host of the named backend ("" is "auto").
func New(name string) (usb.Host, error) {
	switch strings.ToLower(name) {
	case "", "auto":
		if fallsBack(runtime.GOOS) {
			return &Fallback{Native: native(), Libusb: &libusb.Host{}}, nil
		}
		return native(), nil
	case "native":
		return native(), nil
	case "libusb":
		return &libusb.Host{}, nil
	}
	return nil, fmt.Errorf("unknown USB backend %q: choose %s", name, strings.Join(Names, ", "))
}

// fallsBack reports whether auto tries libusb after the native backend:
// on macOS and Windows, where a device may have a driver only libusb
// reaches (libusbK, libusb0) or the native backend is missing.
func fallsBack(goos string) bool { return goos == "darwin" || goos == "windows" }
