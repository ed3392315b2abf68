package cli

import (
	"errors"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// hint is a remedy in the command line's terms for the errors applies
// accepts: the libraries say what to do in their own terms, the command
// line names its flags and commands.
type hint struct {
	applies func(error) bool
	text    string
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// hints are added under an error's message (message) unless the message
// already says them.
var hints = []hint{
	{is(usb.ErrPermission), "install the udev rule with: sudo softdfu udev-rules --install"},
	{is(usbfs.ErrNotLinux), "--sim BOARD uses simulated boards, --usbip HOST:PORT boards exported by a USB/IP server"},
	{is(usbfs.ErrNoBus), "use --usbip HOST:PORT for boards on another machine, or --sim BOARD for simulated ones"},
	{is(firmware.ErrFormatNeeded), "--format FORMAT names the format (softdfu convert --help lists them)"},
	{is(firmware.ErrAddressNeeded), "--address ADDR gives a raw binary's load address"},
	simHint,
}
