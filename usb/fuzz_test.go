package usb

import (
	"bytes"
	"testing"
)

// FuzzParseSetup: an 8-byte packet parses and marshals back to itself;
// anything else is an error.
func FuzzParseSetup(f *testing.F) {
	f.Add([]byte{0x80, 6, 0, 1, 0, 0, 18, 0})
	f.Add([]byte{0xA1, 3, 0, 0, 0, 0, 6})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSetup(b)
		if (err == nil) != (len(b) == 8) {
			t.Fatalf("%d bytes: %v", len(b), err)
		}
		if m := s.Marshal(); err == nil && !bytes.Equal(m[:], b) {
			t.Fatalf("% x marshals back as % x", b, m)
		}
	})
}

// FuzzParseDeviceDescriptor: what parses marshals back to its first 18
// bytes (with bLength 18).
func FuzzParseDeviceDescriptor(f *testing.F) {
	f.Add(DeviceDescriptor{USB: 0x0200, MaxPacketSize0: 64, Vendor: 0x0483, Product: 0xdf11, Device: 0x2200, NumConfigurations: 1}.Marshal())
	f.Add([]byte{18, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDeviceDescriptor(b)
		if err != nil {
			return
		}
		want := append([]byte{18}, b[1:18]...)
		if got := d.Marshal(); !bytes.Equal(got, want) {
			t.Fatalf("% x marshals back as % x", b[:18], got)
		}
	})
}
