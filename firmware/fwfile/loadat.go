package fwfile

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/softdfu/softdfu/firmware"
)

// NotRawError reports a load address given for a file that carries its
// own addresses (every format but a raw binary).
type NotRawError struct{ Path, Format string }

// Error says what the file is.
func (e *NotRawError) Error() string {
	return fmt.Sprintf("%s is %s, which carries its own addresses: a load address is for raw binaries only", e.Path, e.Format)
}

// LoadAt loads path like Load, for front ends that take the format (""
// to detect it) and a raw binary's load address (nil for none) as given.
// A file that is a raw binary by name (format bin, or a .bin name and no
// format) and has no address goes to base, which atBase reports. An
// address for a file of another format is a *NotRawError.
func LoadAt(path, format string, address *uint32, base uint32) (img *firmware.Image, atBase bool, err error) {
	opt := LoadOptions{Format: format}
	atBase = address == nil && (format == Bin || format == "" && strings.EqualFold(filepath.Ext(path), ".bin"))
	switch {
	case address != nil:
		opt.Address, opt.AddressSet = *address, true
	case atBase:
		opt.Address, opt.AddressSet = base, true
	}
	if img, err = Load(path, opt); err != nil {
		return nil, false, err
	}
	if address != nil && img.Format != Bin {
		return nil, false, &NotRawError{path, img.Format}
	}
	return img, atBase, nil
}
