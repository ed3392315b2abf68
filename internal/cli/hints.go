package cli

import (
	"errors"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// hint is a remedy in the command line's terms for errors that applies
// accepts.
type hint struct {
	applies func(error) bool
	text    string
}

// hints are added under an error's message (message) unless the message
// already says them.
var hints = []hint{
	{func(err error) bool { return errors.Is(err, usb.ErrPermission) }, "install the udev rule with: sudo softdfu udev-rules --install"},
	{func(err error) bool { return errors.Is(err, usbfs.ErrNoBus) }, "use --usbip HOST:PORT for boards on another machine, or --sim BOARD for simulated ones"},
}
