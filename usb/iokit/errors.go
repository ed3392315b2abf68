package iokit

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/usb"
)

// ioReturn is an IOReturn (kern_return_t) code.
type ioReturn uint32

// The IOReturn codes the backend translates (IOKit/IOReturn.h:
// iokit_common_err(x) is 0xe0000000|x; IOKit/usb/USB.h: iokit_usb_err(x)
// is 0xe0004000|x).
const (
	kIOReturnNoDevice        ioReturn = 0xe00002c0
	kIOReturnNotPrivileged   ioReturn = 0xe00002c1
	kIOReturnExclusiveAccess ioReturn = 0xe00002c5
	kIOReturnNotOpen         ioReturn = 0xe00002cd
	kIOReturnTimeout         ioReturn = 0xe00002d6
	kIOReturnAborted         ioReturn = 0xe00002eb
	kIOReturnNotResponding   ioReturn = 0xe00002ed
	kIOUSBPipeStalled        ioReturn = 0xe000404f
	kIOUSBTransactionTimeout ioReturn = 0xe0004051
)

func (r ioReturn) Error() string { return fmt.Sprintf("IOReturn 0x%08x", uint32(r)) }

// translate turns an IOKit error from op into one of package usb's.
func translate(info usb.DeviceInfo, op string, err error) error {
	if err == nil {
		return nil
	}
	var r ioReturn
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &r) {
		return fmt.Errorf("iokit: %s on %s: %w", op, info.ID(), err)
	}
	var kind error
	hint := ""
	switch r {
	case kIOUSBPipeStalled:
		kind = usb.ErrStall
	case kIOReturnTimeout, kIOUSBTransactionTimeout, kIOReturnAborted:
		kind = usb.ErrTimeout
	case kIOReturnNoDevice, kIOReturnNotResponding:
		kind, hint = usb.ErrGone, "; scan again"
	case kIOReturnExclusiveAccess:
		kind, hint = usb.ErrBusy, "; another program has it open (STM32CubeProgrammer, dfu-util, a browser using WebUSB): close it"
	case kIOReturnNotPrivileged:
		kind = usb.ErrPermission
	default:
		return fmt.Errorf("iokit: %s on %s: %w", op, info.ID(), r)
	}
	return fmt.Errorf("iokit: %s on %s: %w (%v)%s", op, info.ID(), kind, r, hint)
}
