//go:build js && wasm

package main

import (
	"errors"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/webusb"
)

type errorJSON struct {
	Message string `json:"message"`
	// Kind sorts the error for the page's advice: image, guard, no-board,
	// no-image, not-dfu, permission, busy, gone, verify, no-method,
	// no-bootloader, unsupported, other.
	Kind string `json:"kind"`
	// Changed is true when the board's flash was changed before the
	// error; State says what it holds then.
	Changed bool   `json:"changed"`
	State   string `json:"state,omitempty"`
}

func describeError(err error) errorJSON {
	out := errorJSON{Message: err.Error(), Kind: kindOf(err)}
	var je *jobError
	if errors.As(err, &je) && je.rep != nil && je.rep.State != nil {
		out.Changed = true
		out.State = je.rep.State.String()
	}
	return out
}

func kindOf(err error) string {
	var (
		ie *update.ImageError
		ge *update.GuardError
		ve *flash.VerifyError
		me imageErr
	)
	switch {
	case errors.As(err, &me), errors.As(err, &ie), errors.Is(err, firmware.ErrInvalid), errors.Is(err, firmware.ErrUnsupported):
		return "image"
	case errors.As(err, &ge):
		return "guard"
	case errors.Is(err, errNoBoard):
		return "no-board"
	case errors.Is(err, errNoImage):
		return "no-image"
	case errors.Is(err, board.ErrNotInDFU):
		return "not-dfu"
	case errors.As(err, &ve):
		return "verify"
	case errors.Is(err, enter.ErrNoMethod):
		return "no-method"
	case errors.Is(err, enter.ErrNoBootloader):
		return "no-bootloader"
	case errors.Is(err, usb.ErrPermission):
		return "permission"
	case errors.Is(err, usb.ErrBusy):
		return "busy"
	case errors.Is(err, usb.ErrGone):
		return "gone"
	case errors.Is(err, webusb.ErrUnsupported):
		return "unsupported"
	}
	return "other"
}
