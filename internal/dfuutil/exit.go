package dfuutil

import "fmt"

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
}

func (e *exitError) Error() string { return e.msg }

func fail(code int, format string, a ...any) *exitError {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}
