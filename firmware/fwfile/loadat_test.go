package fwfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

// TestLoadAt: a raw binary by name without an address goes to the base;
// an address places it; a file with its own addresses refuses one.
func TestLoadAt(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "app.BIN")
	if err := os.WriteFile(bin, []byte{1, 2, 3, 4}, 0o644); err != nil {
		t.Fatal(err)
	}
	img, atBase, err := LoadAt(bin, "", nil, 0x08000000)
	if err != nil || !atBase || img.Segments[0].Address != 0x08000000 {
		t.Fatalf("bin without address: %+v, %v, %v", img, atBase, err)
	}
	at := uint32(0x08004000)
	if img, atBase, err = LoadAt(bin, "", &at, 0x08000000); err != nil || atBase || img.Segments[0].Address != at {
		t.Errorf("bin at an address: %+v, %v, %v", img, atBase, err)
	}
	raw := filepath.Join(dir, "app.img")
	if err := os.WriteFile(raw, []byte{1, 2, 3, 4}, 0o644); err != nil {
		t.Fatal(err)
	}
	if img, atBase, err = LoadAt(raw, "bin", nil, 0x08000000); err != nil || !atBase || img.Segments[0].Address != 0x08000000 {
		t.Errorf("format bin without address: %+v, %v, %v", img, atBase, err)
	}
	if _, _, err = LoadAt(raw, "", nil, 0x08000000); err == nil {
		t.Error("an unknown extension with unknown content loaded")
	}
	hex := filepath.Join(dir, "app.hex")
	img, _, _ = LoadAt(bin, "", nil, 0x08000000)
	if err := Write(hex, img, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, atBase, err = LoadAt(hex, "", nil, 0x08000000); err != nil || atBase {
		t.Errorf("hex: %v, %v", atBase, err)
	}
	var nr *NotRawError
	if _, _, err = LoadAt(hex, "", &at, 0x08000000); !errors.As(err, &nr) || nr.Format != IHex || nr.Path != hex {
		t.Errorf("hex with an address: %v", err)
	}
	if _, _, err = LoadAt(filepath.Join(dir, "missing.bin"), "", nil, 0x08000000); err == nil {
		t.Error("a missing file loaded")
	}
}

// TestNeeds: the errors that ask for the format or a raw binary's load
// address are matched as firmware.ErrFormatNeeded and ErrAddressNeeded.
func TestNeeds(t *testing.T) {
	hex := []byte(":00000001FF\n")
	tests := []struct {
		name            string
		data            []byte
		opt             LoadOptions
		format, address bool
	}{
		{"app", []byte{1, 2, 3, 4}, LoadOptions{}, true, true},
		{"app.bin", []byte{1, 2, 3, 4}, LoadOptions{}, false, true},
		{"app.bin", []byte{1, 2, 3, 4}, LoadOptions{Format: "bin"}, false, true},
		{"app.bin", hex, LoadOptions{}, true, false},
		{"app.srec", hex, LoadOptions{}, true, false},
		{"app.hex", hex, LoadOptions{}, false, false},
	}
	for _, tt := range tests {
		_, err := Parse(tt.name, tt.data, tt.opt)
		if errors.Is(err, firmware.ErrFormatNeeded) != tt.format || errors.Is(err, firmware.ErrAddressNeeded) != tt.address {
			t.Errorf("%s %+v: %v", tt.name, tt.opt, err)
		}
	}
	if err := Write(filepath.Join(t.TempDir(), "out"), &firmware.Image{}, WriteOptions{}); !errors.Is(err, firmware.ErrFormatNeeded) {
		t.Errorf("Write without a format: %v", err)
	}
}
