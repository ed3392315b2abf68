package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
)

// Exit codes. They are stable: scripts may test them (softdfu help exit-codes).
const (
	ExitOK          = 0
	ExitFailure     = 1 // anything not listed below
	ExitUsage       = 2 // bad flags or arguments
	ExitInput       = 3 // the firmware file or another input is invalid
	ExitNoDevice    = 4 // no board matches, or the selection is ambiguous
	ExitDevice      = 5 // the board answered with a DFU error
	ExitVerify      = 6 // read-back differs from the image
	ExitPermission  = 7 // the operating system refused access to the device
	ExitTimeout     = 8 // the board did not answer or appear in time
	ExitAppMissing  = 9 // the application did not come back (--expect-app)
	ExitInterrupted = 130
)

var exitCodeHelp = `Exit codes of softdfu:

  0  success
  1  failure not listed below
  2  usage: bad flags or arguments
  3  invalid input: the firmware file (or another input) cannot be used
  4  no board matches the selection, more than one does, or it is not in DFU mode
  5  the board answered with a DFU error status
  6  verification failed: what the board holds differs from the image
  7  permission denied by the operating system (see softdfu udev-rules)
  8  timeout: the board did not answer or did not appear in time (--wait)
  9  the application did not come back after leaving the bootloader (--expect-app)
130  interrupted (Ctrl-C)

With --json the result event of each board carries "ok" and, on failure,
"error": {"code": "...", "message": "..."}; the codes are the names below:
  usage, input, guard (exit 3: a safety guard refused the image; --force),
  no_device, ambiguous, not_in_dfu, device, verify, permission, timeout,
  app_missing, interrupted, backup (exit 1: --backup failed), failure
`

// cliError is an error with its exit code and a stable JSON code.
type cliError struct {
	code int
	name string
	err  error
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func usageError(format string, a ...any) error {
	return &cliError{ExitUsage, "usage", fmt.Errorf(format, a...)}
}

func inputError(err error) error { return &cliError{ExitInput, "input", err} }

func noDevice(format string, a ...any) error {
	return &cliError{ExitNoDevice, "no_device", fmt.Errorf(format, a...)}
}

func ambiguous(format string, a ...any) error {
	return &cliError{ExitNoDevice, "ambiguous", fmt.Errorf(format, a...)}
}

func verifyError(err error) error { return &cliError{ExitVerify, "verify", err} }

func appMissing(format string, a ...any) error {
	return &cliError{ExitAppMissing, "app_missing", fmt.Errorf(format, a...)}
}

// classify returns the exit code and JSON code of an error.
func classify(err error) (int, string) {
	var ce *cliError
	switch {
	case err == nil:
		return ExitOK, ""
	case errors.As(err, &ce):
		return ce.code, ce.name
	case errors.As(err, new(*update.ImageError)):
		return ExitInput, "input"
	case errors.Is(err, enter.ErrNoBootloader):
		return ExitTimeout, "timeout"
	case errors.Is(err, update.ErrNotInDFU), errors.Is(err, enter.ErrNoMethod):
		return ExitNoDevice, "not_in_dfu"
	case errors.Is(err, context.Canceled):
		return ExitInterrupted, "interrupted"
	case errors.Is(err, usb.ErrPermission):
		return ExitPermission, "permission"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, usb.ErrTimeout):
		return ExitTimeout, "timeout"
	case isDeviceError(err):
		return ExitDevice, "device"
	case errors.Is(err, usb.ErrNotFound):
		return ExitNoDevice, "no_device"
	}
	return ExitFailure, "failure"
}

// message renders an error for people: the first line says what went
// wrong; hints that say what to do follow.
func message(err error) string {
	msg := err.Error()
	if errors.Is(err, usb.ErrPermission) && !strings.Contains(msg, "udev") {
		msg += "\nhint: install the udev rule with: sudo softdfu udev-rules --install"
	}
	return msg
}

func timeoutError(format string, a ...any) error {
	return &cliError{ExitTimeout, "timeout", fmt.Errorf(format, a...)}
}
