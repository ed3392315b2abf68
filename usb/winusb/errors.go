package winusb

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/softdfu/softdfu/usb"
)

// Windows error codes the backend translates (winerror.h; System Error
// Codes, https://learn.microsoft.com/windows/win32/debug/system-error-codes).
// They are syscall.Errno values on Windows; here they are numbers so that
// the translation is tested on every system.
const (
	errFileNotFound       = syscall.Errno(2)
	errAccessDenied       = syscall.Errno(5)
	errBadCommand         = syscall.Errno(22)
	errGenFailure         = syscall.Errno(31)
	errSharingViolation   = syscall.Errno(32)
	errSemTimeout         = syscall.Errno(121)
	errNoSuchDevice       = syscall.Errno(433)
	errOperationAborted   = syscall.Errno(995)
	errDeviceNotConnected = syscall.Errno(1167)
)

// translate turns a Windows error from op into one of package usb's,
// keeping the original in the message.
func translate(info usb.DeviceInfo, op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("winusb: %s on %s: %w", op, info.ID(), err)
	}
	var code syscall.Errno
	if !errors.As(err, &code) {
		return fmt.Errorf("winusb: %s on %s: %w", op, info.ID(), err)
	}
	var kind error
	hint := ""
	switch code {
	case errGenFailure:
		// WinUSB reports a STALL handshake as ERROR_GEN_FAILURE.
		kind = usb.ErrStall
	case errSemTimeout, errOperationAborted:
		kind = usb.ErrTimeout
	case errDeviceNotConnected, errNoSuchDevice, errFileNotFound, errBadCommand:
		kind, hint = usb.ErrGone, "; scan again"
	case errAccessDenied, errSharingViolation:
		// WinUSB lets one program open a device at a time.
		kind, hint = usb.ErrBusy, "; another program (STM32CubeProgrammer, dfu-util, a browser using WebUSB) has it open: close it"
	default:
		return fmt.Errorf("winusb: %s on %s: Windows error %d: %w", op, info.ID(), uint32(code), err)
	}
	return fmt.Errorf("winusb: %s on %s: %w (Windows error %d)%s", op, info.ID(), kind, uint32(code), hint)
}
