//go:build darwin || windows || (linux && libusb)

package libusb

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestLoad loads the system's libusb. Where it is missing (Wine has no
// libusb-1.0.dll) the error says how to get it; where it is there, the
// device list works (the VM test drives a board through it).
func TestLoad(t *testing.T) {
	l, err := load()
	if errors.Is(err, errNoLibrary) {
		if !strings.Contains(err.Error(), "install") && !strings.Contains(err.Error(), "download") {
			t.Errorf("missing libusb: %q does not say how to get it", err)
		}
		t.Skipf("no libusb here: %v", err)
	}
	if err != nil {
		t.Skipf("libusb is there but does not start here (no USB): %v", err)
	}
	infos, err := (&Host{lib: l}).Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		t.Logf("%v", in)
	}
}
