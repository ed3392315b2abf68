package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware/fwfile"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// TestHints: the command line adds its flags and commands to library
// errors that say what to do in library terms.
func TestHints(t *testing.T) {
	_, noAddress := fwfile.Parse("app.bin", []byte{1, 2, 3, 4}, fwfile.LoadOptions{})
	_, noFormat := fwfile.Parse("app", []byte{1, 2, 3, 4}, fwfile.LoadOptions{})
	_, noBoard := sim.LookupBoard("nosuch")
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("opening 1-1: %w", usb.ErrPermission), "sudo softdfu udev-rules --install"},
		{usbfs.ErrNotLinux, "--sim BOARD"},
		{fmt.Errorf("%w (/sys/bus/usb/devices does not exist)", usbfs.ErrNoBus), "--usbip HOST:PORT"},
		{noAddress, "--address ADDR"},
		{noFormat, "--format FORMAT"},
		{noFormat, "--address ADDR"},
		{&update.GuardError{Err: update.ErrUnbootable, Detail: "at 0x08000000: reset vector 0x00000000 is even"}, "--address ADDR"},
		{usageError("--sim: %w", noBoard), "softdfu sim --list-boards"},
	}
	for _, tt := range tests {
		if got := message(tt.err); !strings.Contains(got, "hint: ") || !strings.Contains(got, tt.want) {
			t.Errorf("message(%v) = %q, want a hint with %q", tt.err, got, tt.want)
		}
	}
}
