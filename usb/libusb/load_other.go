//go:build !darwin && !windows && !(linux && libusb)

package libusb

import "errors"

// ErrNotBuilt is what Host answers in a build without libusb support: on
// Linux the libusb backend is compiled in only with the build tag libusb,
// as it makes the binary dynamically linked.
var ErrNotBuilt = errors.New("libusb: this softdfu was built without the libusb backend (on Linux: build with -tags libusb; the default usbfs backend needs no library)")

func load() (lib, error) { return nil, ErrNotBuilt }
