package libusb

import (
	"fmt"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// lib is the seam between this package and libusb-1.0: the calls the
// backend makes, with C types turned into Go ones. The real one (real.go)
// calls the library loaded at run time; tests use a fake that answers with
// a simulated board.
type lib interface {
	// devices is libusb_get_device_list; free (libusb_free_device_list,
	// unreferencing the devices) ends the list's life.
	devices() (list []uintptr, free func(), err error)
	// describe is libusb_get_device_descriptor (cached by libusb, no I/O),
	// libusb_get_bus_number, libusb_get_port_numbers and
	// libusb_get_device_address.
	describe(dev uintptr) (desc usb.DeviceDescriptor, bus uint8, ports []uint8, addr uint8, err error)
	// open is libusb_open; close is libusb_close.
	open(dev uintptr) (h uintptr, err error)
	close(h uintptr)
	// control is libusb_control_transfer.
	control(h uintptr, s usb.Setup, data []byte, timeout time.Duration) (int, error)
	// claim is libusb_set_auto_detach_kernel_driver (where supported) and
	// libusb_claim_interface; release is libusb_release_interface.
	claim(h uintptr, iface uint8) error
	release(h uintptr, iface uint8) error
	// setAlt is libusb_set_interface_alt_setting.
	setAlt(h uintptr, iface, alt uint8) error
	// transfer is libusb_bulk_transfer, or libusb_interrupt_transfer when
	// interrupt is set.
	transfer(h uintptr, ep uint8, interrupt bool, data []byte, timeout time.Duration) (int, error)
}

// code is a libusb error code (enum libusb_error in libusb.h).
type code int

// The libusb error codes (libusb.h, enum libusb_error).
const (
	errIO           code = -1
	errInvalidParam code = -2
	errAccess       code = -3
	errNoDevice     code = -4
	errNotFound     code = -5
	errBusy         code = -6
	errTimeout      code = -7
	errOverflow     code = -8
	errPipe         code = -9
	errInterrupted  code = -10
	errNoMem        code = -11
	errNotSupported code = -12
	errOther        code = -99
)

var codeNames = map[code]string{
	errIO: "LIBUSB_ERROR_IO", errInvalidParam: "LIBUSB_ERROR_INVALID_PARAM", errAccess: "LIBUSB_ERROR_ACCESS",
	errNoDevice: "LIBUSB_ERROR_NO_DEVICE", errNotFound: "LIBUSB_ERROR_NOT_FOUND", errBusy: "LIBUSB_ERROR_BUSY",
	errTimeout: "LIBUSB_ERROR_TIMEOUT", errOverflow: "LIBUSB_ERROR_OVERFLOW", errPipe: "LIBUSB_ERROR_PIPE",
	errInterrupted: "LIBUSB_ERROR_INTERRUPTED", errNoMem: "LIBUSB_ERROR_NO_MEM", errNotSupported: "LIBUSB_ERROR_NOT_SUPPORTED",
	errOther: "LIBUSB_ERROR_OTHER",
}

func (c code) Error() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("libusb error %d", int(c))
}
