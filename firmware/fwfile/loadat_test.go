package fwfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
