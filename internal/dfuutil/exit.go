package dfuutil

import (
	"fmt"

	"github.com/softdfu/softdfu/board"
)

// dfu-util's exit codes, from BSD sysexits.h.
const (
	ExOK        = 0
	ExUsage     = 64 // bad command line, or a request the memory map refuses
	ExDataErr   = 65 // a bad file
	ExNoInput   = 66 // the download file cannot be read
	ExSoftware  = 70 // something dfu-util (here: softdfu) does not support
	ExCantCreat = 73 // the upload file cannot be created (it exists)
	ExIOErr     = 74 // no device, several devices, USB errors
	ExProtocol  = 76 // the device answered wrongly
)

// exitError ends a run with a dfu-util message ("dfu-util: " is added
// unless plain) and exit code.
type exitError struct {
	code  int
	msg   string
	plain bool
	cause error // the library error, when there is one
}

func (e *exitError) Error() string { return e.msg }

func fail(code int, format string, a ...any) *exitError {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}

// sysexit maps a library error to dfu-util's exit code by its kind (package
// board sorts errors): bad requests 64, bad inputs 65, an interrupt 130
// (a shell's code for SIGINT, which ends dfu-util), anything that went
// wrong on USB or on the board 74.
func sysexit(err error) int {
	switch board.KindOf(err) {
	case board.Usage, board.Guard:
		return ExUsage
	case board.Input:
		return ExDataErr
	case board.Interrupted:
		return 130
	}
	return ExIOErr
}

// libErr wraps a library error for the report, with its sysexits code.
func libErr(err error) *exitError {
	return &exitError{code: sysexit(err), msg: err.Error(), cause: err}
}
