// Package fwfile loads and writes firmware files in any supported format
// (raw binary, Intel HEX, S-record, ELF, DfuSe .dfu, UF2), telling the
// format from the file's content and extension. It checks and strips a
// DFU suffix from any file. The formats themselves live in the sibling
// packages ihex, srec, elfimg, dfuse, uf2 and suffix.
//
// How Load picks the format, after removing a DFU suffix:
//
//   - LoadOptions.Format, when set, wins.
//   - Content is recognised by its start: "DfuSe", "\x7fELF", the UF2
//     magic, ':' and two hex digits (Intel HEX), 'S', a digit and two hex
//     digits (S-record). Raw binary is never recognised.
//   - A known extension (.hex .ihex .ihx; .srec .s19 .s28 .s37 .mot .mhx;
//     .elf .axf .out; .dfu; .uf2; .bin) must agree with the content;
//     otherwise it is an error (firmware.ErrFormatNeeded) asking for the
//     format to be named.
//   - .bin is raw binary unless the content is recognisably something
//     else (an error), and needs LoadOptions.Address.
//   - .dfu without the DfuSe prefix but with a plain DFU suffix (bcdDFU
//     0x0100, as dfu-util makes) is raw binary plus suffix.
//   - An unknown extension with unrecognisable content is an error asking
//     for the format (firmware.ErrFormatNeeded).
package fwfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/dfuse"
	"github.com/softdfu/softdfu/firmware/elfimg"
	"github.com/softdfu/softdfu/firmware/ihex"
	"github.com/softdfu/softdfu/firmware/srec"
	"github.com/softdfu/softdfu/firmware/suffix"
	"github.com/softdfu/softdfu/firmware/uf2"
)

// Format names, as stored in firmware.Image.Format.
const (
	Bin   = "bin"
	IHex  = "ihex"
	SRec  = "srec"
	ELF   = "elf"
	DfuSe = "dfuse"
	UF2   = "uf2"
)

// MaxFileSize is the largest file Load and Parse accept (1 GiB); the
// largest STM32F4 has 2 MiB of flash.
const MaxFileSize = 1 << 30

// Formats lists the format names in the order help texts show them.
var Formats = []string{Bin, IHex, SRec, ELF, DfuSe, UF2}

var aliases = map[string]string{
	"bin": Bin, "binary": Bin, "raw": Bin,
	"ihex": IHex, "hex": IHex, "intel": IHex, "ihx": IHex,
	"srec": SRec, "s19": SRec, "s28": SRec, "s37": SRec, "mot": SRec, "srecord": SRec, "motorola": SRec,
	"elf": ELF, "axf": ELF,
	"dfuse": DfuSe, "dfu": DfuSe,
	"uf2": UF2,
}

var extensions = map[string]string{
	".bin": Bin,
	".hex": IHex, ".ihex": IHex, ".ihx": IHex,
	".srec": SRec, ".s19": SRec, ".s28": SRec, ".s37": SRec, ".mot": SRec, ".mhx": SRec,
	".elf": ELF, ".axf": ELF, ".out": ELF,
	".dfu": DfuSe,
	".uf2": UF2,
}

// FormatName returns the canonical format name for a name or alias
// ("hex", "s19", "dfu", ...), or an error listing the known ones.
func FormatName(name string) (string, error) {
	if f, ok := aliases[strings.ToLower(name)]; ok {
		return f, nil
	}
	return "", fmt.Errorf("%w: unknown format %q: use one of %s", firmware.ErrUnsupported, name, strings.Join(Formats, ", "))
}

// FromExtension returns the format a file name's extension stands for, or
// "" for an unknown extension.
func FromExtension(name string) string { return extensions[strings.ToLower(filepath.Ext(name))] }

// Sniff returns the format the start of a file's content shows, or "" when
// the content is not recognisable (raw binary is never recognised).
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("DfuSe")):
		return DfuSe
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return ELF
	case bytes.HasPrefix(head, []byte{0x55, 0x46, 0x32, 0x0A, 0x57, 0x51, 0x5D, 0x9E}):
		return UF2
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(t) >= 3 && t[0] == ':' && isHex(t[1]) && isHex(t[2]) {
		return IHex
	}
	if len(t) >= 4 && (t[0] == 'S' || t[0] == 's') && t[1] >= '0' && t[1] <= '9' && isHex(t[2]) && isHex(t[3]) {
		return SRec
	}
	return ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func describe(format string) string {
	switch format {
	case Bin:
		return "raw binary"
	case IHex:
		return "Intel HEX"
	case SRec:
		return "Motorola S-record"
	case ELF:
		return "ELF"
	case DfuSe:
		return "DfuSe .dfu"
	case UF2:
		return "UF2"
	}
	return "unrecognisable"
}

func isText(format string) bool { return format == IHex || format == SRec }

// LoadOptions tune Load and Parse.
type LoadOptions struct {
	// Format forces a format (a name or alias FormatName knows); "" means
	// detect it from content and extension.
	Format string
	// Address is where a raw binary goes; it must be set (AddressSet) to
	// load one.
	Address    uint32
	AddressSet bool
}

// Load reads the firmware file at path into a normalized image. A DFU
// suffix on any file is checked (CRC) and removed; its IDs end up in the
// image. Text formats are parsed as they are read, so a HEX file never
// sits in memory whole.
func Load(path string, opt LoadOptions) (*firmware.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a firmware file", path)
	}
	img, err := load(path, f, st.Size(), nil, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// Parse reads a firmware file held in data, named name (only its
// extension matters; "" for none), like Load. Binary formats' segments
// may share memory with data.
func Parse(name string, data []byte, opt LoadOptions) (*firmware.Image, error) {
	return load(name, bytes.NewReader(data), int64(len(data)), data, opt)
}

// load does Load and Parse: whole is the file's content when it is in
// memory already.
func load(name string, ra io.ReaderAt, size int64, whole []byte, opt LoadOptions) (*firmware.Image, error) {
	if size == 0 {
		return nil, fmt.Errorf("%w: the file is empty", firmware.ErrInvalid)
	}
	if size > MaxFileSize {
		return nil, fmt.Errorf("%w: the file is %d MiB, more than the %d MiB a firmware file may be: is it the right file?",
			firmware.ErrUnsupported, size>>20, MaxFileSize>>20)
	}
	head := make([]byte, min(size, 512))
	if _, err := ra.ReadAt(head, 0); err != nil {
		return nil, err
	}
	sfx, found, body, err := readSuffix(ra, size, whole)
	if err != nil {
		return nil, err
	}
	if int64(len(head)) > body {
		head = head[:body]
	}
	format, err := choose(name, head, opt, found, sfx)
	if err != nil {
		return nil, err
	}
	img, err := decode(format, ra, body, whole, opt, found, sfx)
	if err != nil {
		return nil, err
	}
	if found {
		img.Vendor, img.Product, img.Device = sfx.Vendor, sfx.Product, sfx.Device
	}
	return img, nil
}

// readSuffix finds and checks a DFU suffix at the end of the file; body is
// the file's size without it.
func readSuffix(ra io.ReaderAt, size int64, whole []byte) (sfx suffix.Suffix, found bool, body int64, err error) {
	if size < suffix.Len {
		return sfx, false, size, nil
	}
	tail := make([]byte, suffix.Len)
	if _, err := ra.ReadAt(tail, size-suffix.Len); err != nil {
		return sfx, false, 0, err
	}
	if !suffix.Has(tail) {
		return sfx, false, size, nil
	}
	if tail[11] != suffix.Len {
		return sfx, false, 0, fmt.Errorf("%w: DFU suffix at byte %d has bLength %d, want 16; remove it with `dfu-suffix -D FILE`",
			firmware.ErrUnsupported, size-suffix.Len, tail[11])
	}
	crc, err := dfuCRC(ra, size-4, whole)
	if err != nil {
		return sfx, false, 0, err
	}
	if err := suffix.CheckCRC(suffix.StoredCRC(tail), crc, int(size)); err != nil {
		return sfx, false, 0, err
	}
	return suffix.Decode(tail), true, size - suffix.Len, nil
}

// decode reads the first body bytes of the file as format.
func decode(format string, ra io.ReaderAt, body int64, whole []byte, opt LoadOptions, found bool, sfx suffix.Suffix) (*firmware.Image, error) {
	if isText(format) {
		r := io.NewSectionReader(ra, 0, body)
		if format == IHex {
			return ihex.Read(r)
		}
		return srec.Read(r)
	}
	b := whole
	if b == nil {
		b = make([]byte, body)
		if _, err := ra.ReadAt(b, 0); err != nil {
			return nil, err
		}
	}
	b = b[:body:body]
	switch format {
	case Bin:
		return firmware.FromBin(b, opt.Address)
	case ELF:
		return elfimg.Parse(b)
	case DfuSe:
		if !found {
			return nil, fmt.Errorf("%w: dfuse: the file has no DFU suffix (16 bytes ending in \"UFD\", 0x10 and a CRC): it is truncated; rebuild it", firmware.ErrInvalid)
		}
		return dfuse.ParseBody(b, sfx)
	case UF2:
		return uf2.Parse(b)
	}
	return nil, fmt.Errorf("%w: no reader for format %q", firmware.ErrUnsupported, format)
}

// dfuCRC returns the DFU CRC of the first n bytes.
func dfuCRC(ra io.ReaderAt, n int64, whole []byte) (uint32, error) {
	if whole != nil {
		return suffix.CRC(whole[:n]), nil
	}
	h := suffix.NewHash()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, n)); err != nil {
		return 0, err
	}
	return h.Sum32(), nil
}

// choose picks the format from the options, the extension of name and
// the content's start.
func choose(name string, head []byte, opt LoadOptions, hasSuffix bool, sfx suffix.Suffix) (string, error) {
	sniffed := Sniff(head)
	if opt.Format != "" {
		f, err := FormatName(opt.Format)
		if err != nil {
			return "", err
		}
		if f == Bin && !opt.AddressSet {
			return "", noAddress()
		}
		return f, nil
	}
	ext := FromExtension(name)
	base := filepath.Base(name)
	switch {
	case ext == "" && sniffed == "":
		return "", firmware.Needing(fmt.Errorf("%w: cannot tell the format of %q from its name or content: name the format (%s), and the load address of a raw binary",
			firmware.ErrUnsupported, base, strings.Join(Formats, ", ")), firmware.ErrFormatNeeded, firmware.ErrAddressNeeded)
	case ext == "":
		return sniffed, nil
	case ext == Bin:
		if sniffed != "" {
			return "", firmware.Needing(fmt.Errorf("%w: %q is named .bin but its content is %s: rename it, or name the format bin to flash its bytes as they are",
				firmware.ErrUnsupported, base, describe(sniffed)), firmware.ErrFormatNeeded)
		}
		if !opt.AddressSet {
			return "", noAddress()
		}
		return Bin, nil
	case ext == DfuSe && sniffed == "" && hasSuffix && sfx.DFU != suffix.DfuSe:
		// A plain DFU file (dfu-util style): raw binary plus suffix.
		if !opt.AddressSet {
			return "", firmware.Needing(fmt.Errorf("%w: %q is a raw binary with a DFU suffix, not a DfuSe file, so it names no address: give its load address (0x08000000 is the start of STM32F4 flash)",
				firmware.ErrUnsupported, base), firmware.ErrAddressNeeded)
		}
		return Bin, nil
	case sniffed != ext:
		return "", firmware.Needing(fmt.Errorf("%w: %q is named as %s but its content is %s: rename it, or name its format",
			firmware.ErrInvalid, base, describe(ext), describe(sniffed)), firmware.ErrFormatNeeded)
	}
	return ext, nil
}

func noAddress() error {
	return firmware.Needing(fmt.Errorf("%w: a raw binary does not say where it goes: give its load address (0x08000000 is the start of STM32F4 flash)", firmware.ErrUnsupported), firmware.ErrAddressNeeded)
}
