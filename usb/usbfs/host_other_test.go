//go:build !linux

package usbfs

import (
	"context"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/usb"
)

func TestNotLinux(t *testing.T) {
	var h Host
	if _, err := h.Devices(context.Background()); !errors.Is(err, ErrNotLinux) {
		t.Errorf("Devices: %v", err)
	}
	if _, err := h.Open(context.Background(), usb.DeviceInfo{}); !errors.Is(err, ErrNotLinux) {
		t.Errorf("Open: %v", err)
	}
}
