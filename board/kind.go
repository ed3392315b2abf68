package board

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
)

// Kind sorts errors for front ends: each kind has a stable exit code and
// a stable JSON code. KindOf is the one place errors are sorted.
type Kind int

// Kinds of errors.
const (
	Failure     Kind = iota // anything not listed below
	Usage                   // a bad argument or request
	Input                   // the firmware file or another input cannot be used
	Guard                   // a safety guard refused the image (nothing was written)
	NoDevice                // no board matches the selection
	Ambiguous               // more than one board matches
	NotInDFU                // the board is not in the ROM bootloader
	Device                  // the board answered with a DFU error status
	Verify                  // what the board holds differs from what it should
	Permission              // the operating system refused access to the device
	Timeout                 // the board did not answer or appear in time
	AppMissing              // the application did not come back after leaving
	Interrupted             // the caller cancelled (Ctrl-C)
	Backup                  // the backup could not be taken or saved
	Busy                    // another program holds the board
)

var kinds = [...]struct {
	exit int
	code string
}{
	Failure: {1, "failure"}, Usage: {2, "usage"}, Input: {3, "input"}, Guard: {3, "guard"},
	NoDevice: {4, "no_device"}, Ambiguous: {4, "ambiguous"}, NotInDFU: {4, "not_in_dfu"},
	Device: {5, "device"}, Verify: {6, "verify"}, Permission: {7, "permission"},
	Timeout: {8, "timeout"}, AppMissing: {9, "app_missing"}, Interrupted: {130, "interrupted"},
	Backup: {1, "backup"}, Busy: {4, "busy"},
}

// Exit is the process exit code of the kind (softdfu help exit-codes).
func (k Kind) Exit() int { return kinds[k].exit }

// Code is the stable JSON error code of the kind.
func (k Kind) Code() string { return kinds[k].code }

// Kinded is an error that knows its kind.
type Kinded interface {
	error
	Kind() Kind
}

// Error is an error of a known kind.
type Error struct {
	K   Kind
	Err error
}

// Error returns the message of Err.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Kind returns K.
func (e *Error) Kind() Kind { return e.K }

// Errorf makes an error of kind k (%w wraps as in fmt.Errorf).
func Errorf(k Kind, format string, a ...any) error {
	return &Error{k, fmt.Errorf(format, a...)}
}

// WithKind gives err the kind k (nil stays nil).
func WithKind(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{k, err}
}

// Sentinel makes a sentinel error (for errors.Is) of kind k.
func Sentinel(k Kind, msg string) error { return &Error{k, errors.New(msg)} }

// KindOf sorts an error: the outermost error that knows its kind decides;
// otherwise cancellation, permission, timeouts, DFU status errors and
// devices gone missing have their kinds, and the rest is a Failure.
func KindOf(err error) Kind {
	var k Kinded
	var se *dfu.StatusError
	switch {
	case err == nil:
		return Failure
	case errors.As(err, &k):
		return k.Kind()
	case errors.Is(err, context.Canceled):
		return Interrupted
	case errors.Is(err, usb.ErrPermission):
		return Permission
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, usb.ErrTimeout):
		return Timeout
	case errors.As(err, &se):
		return Device
	case errors.As(err, new(*flash.VerifyError)):
		return Verify
	case errors.Is(err, usb.ErrNotFound):
		return NoDevice
	case errors.Is(err, usb.ErrBusy):
		return Busy
	}
	return Failure
}

// Errors of the board layer.
var (
	// ErrNotInDFU: the board is not in DFU mode.
	ErrNotInDFU = Sentinel(NotInDFU, "board is not in DFU mode")
	// ErrNoApp: the board left the bootloader and no USB device appeared.
	ErrNoApp = Sentinel(AppMissing, "the board left the bootloader but no USB device appeared; if the firmware should enumerate, reach the ROM again with BOOT0 high and reset")
	// ErrReadProtected: the board refused to be read (RDP level 1).
	ErrReadProtected = Sentinel(Device, "the board is read-protected")
)
