//go:build windows && (amd64 || arm64)

package winusb

import (
	"context"
	"testing"
)

// TestSystemLists runs the real SetupAPI enumeration: on a machine
// without USB devices (Wine) it lists none and fails nothing.
func TestSystemLists(t *testing.T) {
	infos, err := (&Host{}).Devices(context.Background())
	if err != nil {
		t.Fatalf("devices: %v", err)
	}
	for _, in := range infos {
		t.Logf("%v problem %q", in, in.Problem)
	}
	if _, err := (winSystem{}).serialPorts(); err != nil {
		t.Logf("serial ports: %v", err)
	}
}
