package iokit

import (
	"time"

	"github.com/softdfu/softdfu/usb"
)

// system is the seam between this package and macOS: the few IOKit calls
// the backend makes, with CoreFoundation and COM types turned into Go
// ones. The real one is system_darwin.go; tests use a fake that answers
// with a simulated board.
type system interface {
	// devices lists the USB devices in the I/O Registry (IOUSBHostDevice).
	devices() ([]entry, error)
	// open creates the device's user-client interface
	// (IOCreatePlugInInterfaceForService, QueryInterface); control
	// requests work without opening the device for exclusive access.
	open(e entry) (handle, error)
	// serialPorts lists the callout devices (/dev/cu.*) of the serial
	// ports whose parent is a USB device (IOSerialBSDClient).
	serialPorts() ([]serialPort, error)
}

// entry is a USB device as the I/O Registry shows it.
type entry struct {
	ID         uint64 // registry entry ID, to find the device again
	VID, PID   uint16
	LocationID uint32
	Serial     string
}

// handle is a device's IOUSBDeviceInterface.
type handle interface {
	// control is DeviceRequestTO, with both timeouts set to timeout.
	control(s usb.Setup, data []byte, timeout time.Duration) (int, error)
	// exclusive is USBDeviceOpen.
	exclusive() error
	// claim opens the interface iface (CreateInterfaceIterator, its
	// IOUSBInterfaceInterface, USBInterfaceOpen).
	claim(iface uint8) error
	// setAlternate is SetAlternateInterface on a claimed interface.
	setAlternate(iface, alt uint8) error
	// abort is USBDeviceAbortPipeZero: the control request in progress
	// ends with kIOReturnAborted.
	abort() error
	// close closes what was opened and releases the interfaces.
	close() error
}

// serialPort is a serial port and the USB device it belongs to.
type serialPort struct {
	Name       string // /dev/cu.usbmodem1101
	VID, PID   uint16
	Serial     string
	LocationID uint32
}
