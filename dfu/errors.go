package dfu

import (
	"errors"
	"fmt"
)

// ErrStillBusy is wrapped by a *StatusError when the device was still in
// dfuDNBUSY when the operation's deadline (Options) passed.
var ErrStillBusy = errors.New("dfu: device still busy")

// ErrStuck is wrapped by a *StatusError when the device refused a request
// and then reported dfuDNBUSY although no operation was pending: it no
// longer makes progress and needs a reset. errors.Is(err, ErrStillBusy)
// holds for it too.
var ErrStuck = fmt.Errorf("%w with no operation pending (it no longer makes progress)", ErrStillBusy)

// StatusError reports a device that ended an operation in a state or with a
// status other than the one expected (dfuDNLOAD-IDLE/OK after a download).
// The next operation on the Conn recovers the device to dfuIDLE first.
type StatusError struct {
	// Op names the operation: "erase sector at 0x08004000".
	Op     string
	State  State
	Status Code
	// Err is what else went wrong with it, if anything: ErrStillBusy
	// (wrapped), or the transport error of a request the device refused
	// (usb.ErrStall) before it told its status.
	Err error
}

// Error names the operation, the state and the status and says what to do.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("dfu: %s: device in %v with %v", e.Op, e.State, e.Status)
	if e.Status != OK {
		s += " (" + e.Status.Description() + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s + ": " + e.Remedy()
}

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }

// Remedy says what a user can do about the error.
func (e *StatusError) Remedy() string {
	if errors.Is(e.Err, ErrStuck) {
		return "reset the board (hold BOOT0 high and press reset, or power-cycle it) and retry"
	}
	if errors.Is(e.Err, ErrStillBusy) {
		return "the device took longer than the deadline; raise the timeout or power-cycle the board and retry"
	}
	switch e.Status {
	case OK:
		return "the device is in an unexpected state; retry (the engine recovers it to dfuIDLE first)"
	case ErrTarget, ErrAddress:
		return "the address is outside the device's memory map or not allowed; check the image address against the memory layout"
	case ErrVendor:
		return "the flash is read-protected (RDP level 1) or the command is refused; remove read protection (this mass-erases the flash) and retry"
	case ErrWrite, ErrProg, ErrVerify:
		return "programming failed; the sector may be write-protected (option bytes nWRP): check the option bytes, erase and retry"
	case ErrErase, ErrCheckErased:
		return "erasing failed; the sector may be write-protected (option bytes nWRP): check the option bytes and retry"
	case ErrNotDone:
		return "the device did not get all the data; download again"
	case ErrFirmware:
		return "the device reports no valid firmware (the ROM says this right after it starts); flash an image"
	case ErrUSBReset, ErrPOR:
		return "the device was reset unexpectedly; check the cable and the power supply and retry"
	case ErrFile:
		return "the device rejected the file; check that the image is meant for this device"
	}
	return "retry (the engine clears the error first); if it persists, power-cycle the board"
}
