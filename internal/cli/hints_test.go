package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// TestHints: the command line adds its flags and commands to library
// errors that say what to do in library terms.
func TestHints(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("opening 1-1: %w", usb.ErrPermission), "sudo softdfu udev-rules --install"},
		{usbfs.ErrNotLinux, "--sim BOARD"},
		{fmt.Errorf("%w (/sys/bus/usb/devices does not exist)", usbfs.ErrNoBus), "--usbip HOST:PORT"},
		{fmt.Errorf("unsupported firmware file: a raw binary does not say where it goes: give its load address"), "--address ADDR"},
	}
	for _, tt := range tests {
		if got := message(tt.err); !strings.Contains(got, "hint: ") || !strings.Contains(got, tt.want) {
			t.Errorf("message(%v) = %q, want a hint with %q", tt.err, got, tt.want)
		}
	}
}
