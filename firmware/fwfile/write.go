package fwfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/dfuse"
	"github.com/softdfu/softdfu/firmware/ihex"
	"github.com/softdfu/softdfu/firmware/srec"
	"github.com/softdfu/softdfu/firmware/uf2"
)

// WriteOptions tune Write and Encode.
type WriteOptions struct {
	// Format forces the output format (a name or alias FormatName knows);
	// "" means take it from the file name's extension.
	Format string
	// Vendor, Product and Device go into a .dfu file's suffix. A zero
	// Vendor/Product means the image's own (from the file it was read
	// from), else ST's 0483:df11; a zero Device means the image's own, else
	// 0 (what dfuse-pack.py writes).
	Vendor, Product, Device uint16
}

// WriteInput is write options as a front end takes them, written out:
// the output format's name, and the USB vendor and product IDs of a .dfu
// file's suffix as 4 hex digits ("0483"); empty fields are the defaults.
type WriteInput struct {
	Format, Vendor, Product string
}

// IDError says a USB ID of a WriteInput is not 4 hex digits.
type IDError struct {
	// Field is "vid" (Vendor) or "pid" (Product); Value the ID as given.
	Field, Value string
}

// Error says what is wrong.
func (e *IDError) Error() string {
	return fmt.Sprintf("%s %q: give 4 hex digits, for example 0483", e.Field, e.Value)
}

// Options reads the input into WriteOptions; the error is an *IDError.
func (in WriteInput) Options() (WriteOptions, error) {
	opt := WriteOptions{Format: in.Format}
	for _, id := range []struct {
		field, value string
		to           *uint16
	}{{"vid", in.Vendor, &opt.Vendor}, {"pid", in.Product, &opt.Product}} {
		if id.value == "" {
			continue
		}
		v, err := strconv.ParseUint(id.value, 16, 16)
		if err != nil {
			return opt, &IDError{id.field, id.value}
		}
		*id.to = uint16(v)
	}
	return opt, nil
}

// Write writes img to path in the format its extension (or opt.Format)
// names. The file is written to a temporary file in the same directory
// and renamed into place, so path is either left as it was or replaced by
// the complete new file. img is not modified.
func Write(path string, img *firmware.Image, opt WriteOptions) (err error) {
	format := opt.Format
	if format == "" {
		format = FromExtension(path)
		if format == "" {
			return firmware.Needing(fmt.Errorf("%w: cannot tell which format to write from the name %q: use an extension (.bin .hex .srec .dfu .uf2) or name the format",
				firmware.ErrUnsupported, filepath.Base(path)), firmware.ErrFormatNeeded)
		}
	}
	format, err = FormatName(format)
	if err != nil {
		return err
	}
	if format == ELF {
		return fmt.Errorf("%w: writing ELF files is not supported: write .bin, .hex, .srec, .dfu or .uf2", firmware.ErrUnsupported)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err = Encode(bw, format, img, opt); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Encode writes img to w in the named format (not ELF). img is not
// modified; a copy is normalized first, so overlapping segments are an
// error.
func Encode(w io.Writer, format string, img *firmware.Image, opt WriteOptions) error {
	format, err := FormatName(format)
	if err != nil {
		return err
	}
	c := *img
	c.Segments = append([]firmware.Segment(nil), img.Segments...)
	if err := c.Normalize(); err != nil {
		return fmt.Errorf("%w: %v", firmware.ErrInvalid, err)
	}
	switch format {
	case Bin:
		_, err = c.WriteBin(w)
	case IHex:
		err = ihex.Write(w, &c, ihex.Options{})
	case SRec:
		err = srec.Write(w, &c, srec.Options{})
	case DfuSe:
		o := dfuse.Options{Vendor: opt.Vendor, Product: opt.Product, Device: opt.Device}
		if o.Vendor == 0 && o.Product == 0 {
			o.Vendor, o.Product = img.Vendor, img.Product
		}
		if o.Device == 0 {
			o.Device = img.Device
		}
		err = dfuse.Write(w, &c, o)
	case UF2:
		err = uf2.Write(w, &c, uf2.Options{})
	default:
		err = errors.New("writing " + describe(format) + " files is not supported")
	}
	return err
}

// Creatable checks that a file can be created at path, before the data
// to write there is gathered (read from a board): its directory exists
// and takes a new file.
func Creatable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot write %s: its directory %s does not exist (create it first)", path, dir)
	}
	if !st.IsDir() {
		return fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	f, err := os.CreateTemp(dir, ".softdfu-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
