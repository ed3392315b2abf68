package usb

import "errors"

// Errors every backend reports the same way; test them with errors.Is.
var (
	// ErrStall: the device answered the request with a STALL handshake.
	ErrStall = errors.New("usb: request stalled by the device")
	// ErrGone: the device left the bus (unplugged, reset, re-enumerated).
	// A host must re-scan and open the device again; the old handle is dead.
	ErrGone = errors.New("usb: device disconnected")
	// ErrPermission: the operating system refused access to the device.
	ErrPermission = errors.New("usb: permission denied")
	// ErrBusy: another driver or program holds the device or interface.
	ErrBusy = errors.New("usb: device or interface busy")
	// ErrTimeout: the device did not complete the transfer in time.
	ErrTimeout = errors.New("usb: transfer timed out")
	// ErrNoDriver: the operating system has bound a driver to the device
	// that this backend cannot talk through (Windows: not WinUSB).
	ErrNoDriver = errors.New("usb: the device's driver does not let this program open it")
	// ErrNotFound: no device matches.
	ErrNotFound = errors.New("usb: no such device")
)
