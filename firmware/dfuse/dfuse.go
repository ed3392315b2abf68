// Package dfuse reads and writes ST DfuSe .dfu files (UM0391): a "DfuSe"
// prefix, one target per alternate setting, each with elements of data at
// addresses, and a DFU suffix with bcdDFU 0x011A. All fields are
// little-endian.
package dfuse

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/suffix"
)

// Sizes of the file's parts.
const (
	prefixLen  = 11  // "DfuSe" version imageSize targets
	targetLen  = 274 // "Target" alt named name[255] targetSize elements
	elementLen = 8   // address size
	nameLen    = 255
)

// Is reports whether b starts with the DfuSe prefix signature.
func Is(b []byte) bool { return bytes.HasPrefix(b, []byte("DfuSe")) }

// Parse reads the DfuSe file held in b, including its DFU suffix, whose CRC
// and sizes are checked (the prefix's image size may count the suffix or
// not). The image's segments carry each target's alt
// setting, and its Vendor, Product and Device come from the suffix.
func Parse(b []byte) (*firmware.Image, error) {
	sfx, body, found, err := suffix.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("dfuse: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("%w: dfuse: the file has no DFU suffix (16 bytes ending in \"UFD\", 0x10 and a CRC): it is truncated; rebuild it",
			firmware.ErrInvalid)
	}
	return ParseBody(body, sfx)
}

// ParseBody reads a DfuSe file whose suffix s has already been checked and
// removed.
func ParseBody(b []byte, s suffix.Suffix) (*firmware.Image, error) {
	errf := func(off int, format string, args ...any) error {
		return fmt.Errorf("%w: dfuse: byte %d: %s", firmware.ErrInvalid, off, fmt.Sprintf(format, args...))
	}
	if s.DFU != suffix.DfuSe {
		return nil, errf(len(b)+6, "suffix bcdDFU is 0x%04X, want 0x011A for a DfuSe file", s.DFU)
	}
	if len(b) < prefixLen || !Is(b) {
		return nil, errf(0, "the file does not start with the \"DfuSe\" prefix")
	}
	le := binary.LittleEndian
	if b[5] != 1 {
		return nil, fmt.Errorf("%w: dfuse: byte 5: prefix version is %d; only version 1 exists", firmware.ErrUnsupported, b[5])
	}
	// UM0391 calls it "the total DFU file length"; dfu-util 0.11's
	// dfuse-pack counts the suffix, older dfuse-pack.py and pydfu do not.
	if size := uint64(le.Uint32(b[6:])); size != uint64(len(b)) && size != uint64(len(b))+suffix.Len {
		return nil, errf(6, "prefix says the file is %d bytes but it is %d (%d without the suffix): the file is truncated or damaged", size, len(b)+suffix.Len, len(b))
	}
	ntargets := int(b[10])
	img := &firmware.Image{Format: "dfuse", Vendor: s.Vendor, Product: s.Product, Device: s.Device}
	var pieces []firmware.Segment
	off := prefixLen
	for t := range ntargets {
		if len(b)-off < targetLen {
			return nil, errf(off, "target %d of %d: the file ends inside its 274-byte prefix: it is truncated", t, ntargets)
		}
		tp := b[off : off+targetLen]
		if string(tp[:6]) != "Target" {
			return nil, errf(off, "target %d of %d does not start with \"Target\"", t, ntargets)
		}
		alt := tp[6]
		tsize := uint64(le.Uint32(tp[266:]))
		nelem := le.Uint32(tp[270:])
		start := off + targetLen
		if tsize > uint64(len(b)-start) {
			return nil, errf(off+266, "target %d (alt %d) says it holds %d bytes but only %d remain: the file is truncated", t, alt, tsize, len(b)-start)
		}
		end := start + int(tsize)
		off = start
		for e := range nelem {
			if end-off < elementLen {
				return nil, errf(off, "target %d (alt %d), element %d of %d: the target's %d bytes end inside the element header", t, alt, e, nelem, tsize)
			}
			addr := le.Uint32(b[off:])
			size := uint64(le.Uint32(b[off+4:]))
			if size > uint64(end-off-elementLen) {
				return nil, errf(off+4, "target %d (alt %d), element %d says %d bytes at 0x%08x but the target has only %d left", t, alt, e, size, addr, end-off-elementLen)
			}
			if uint64(addr)+size > 1<<32 {
				return nil, errf(off, "target %d (alt %d), element %d: %d bytes at 0x%08x go past 4 GiB", t, alt, e, size, addr)
			}
			data := b[off+elementLen : off+elementLen+int(size)]
			pieces = append(pieces, firmware.Segment{Address: addr, Alt: alt, Data: data[:len(data):len(data)]})
			off += elementLen + int(size)
		}
		if off != end {
			return nil, errf(off, "target %d (alt %d) has %d bytes after its %d elements that its size counts: the file is damaged", t, alt, end-off, nelem)
		}
	}
	if off != len(b) {
		return nil, errf(off, "%d bytes follow the last of the %d targets: the prefix's target count is wrong or the file is damaged", len(b)-off, ntargets)
	}
	if err := img.Assemble(pieces); err != nil {
		return nil, fmt.Errorf("%w: dfuse: %v", firmware.ErrInvalid, err)
	}
	return img, nil
}

// Options tune Write.
type Options struct {
	// Vendor and Product go into the suffix; 0 means ST's ROM bootloader
	// 0483:df11 (the default of dfu-util's dfuse-pack.py and of pydfu).
	Vendor, Product uint16
	// Device is the suffix's bcdDevice; dfuse-pack.py writes 0, as does
	// Write when it is 0.
	Device uint16
	// TargetName names every target; "" means "ST...", what dfuse-pack.py
	// and ST's DfuFileMgr write.
	TargetName string
	// SizeWithSuffix counts the 16-byte suffix in the prefix's image size,
	// as UM0391's text and dfu-util 0.11's dfuse-pack do; by default it is
	// left out, as older dfuse-pack.py, MicroPython's pydfu and fwupd
	// expect. Parse accepts both.
	SizeWithSuffix bool
}

// Write writes the normalized image as a DfuSe file: one target per alt
// setting (named, in increasing alt order), one element per segment, and a
// DFU suffix with bcdDFU 0x011A and a valid CRC.
func Write(w io.Writer, img *firmware.Image, opt Options) error {
	b, err := Marshal(img, opt)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns the DfuSe file for the normalized image, as Write writes it.
func Marshal(img *firmware.Image, opt Options) ([]byte, error) {
	name := opt.TargetName
	if name == "" {
		name = "ST..."
	}
	if len(name) > nameLen-1 {
		return nil, fmt.Errorf("dfuse: target name is %d bytes, more than %d", len(name), nameLen-1)
	}
	segs := append([]firmware.Segment(nil), img.Segments...)
	sort.SliceStable(segs, func(a, b int) bool { return segs[a].Alt < segs[b].Alt })
	type target struct {
		alt  uint8
		segs []firmware.Segment
		size uint64
	}
	var targets []*target
	total := uint64(prefixLen)
	for _, s := range segs {
		if len(targets) == 0 || targets[len(targets)-1].alt != s.Alt {
			targets = append(targets, &target{alt: s.Alt})
			total += targetLen
		}
		t := targets[len(targets)-1]
		t.segs = append(t.segs, s)
		t.size += elementLen + uint64(len(s.Data))
		total += elementLen + uint64(len(s.Data))
	}
	if len(targets) > 255 {
		return nil, fmt.Errorf("dfuse: image has %d alt settings, more than a DfuSe file holds (255)", len(targets))
	}
	if total > 0xFFFFFFFF-suffix.Len {
		return nil, fmt.Errorf("dfuse: image is %d bytes, too large for a DfuSe file (4 GiB)", total)
	}
	le := binary.LittleEndian
	b := make([]byte, 0, total+suffix.Len)
	b = append(b, "DfuSe"...)
	b = append(b, 1)
	size := uint32(total)
	if opt.SizeWithSuffix {
		size += suffix.Len
	}
	b = le.AppendUint32(b, size)
	b = append(b, byte(len(targets)))
	for _, t := range targets {
		b = append(b, "Target"...)
		b = append(b, t.alt)
		b = le.AppendUint32(b, 1)
		var n [nameLen]byte
		copy(n[:], name)
		b = append(b, n[:]...)
		b = le.AppendUint32(b, uint32(t.size))
		b = le.AppendUint32(b, uint32(len(t.segs)))
		for _, s := range t.segs {
			b = le.AppendUint32(b, s.Address)
			b = le.AppendUint32(b, uint32(len(s.Data)))
			b = append(b, s.Data...)
		}
	}
	vid, pid := opt.Vendor, opt.Product
	if vid == 0 {
		vid = suffix.STVID
	}
	if pid == 0 {
		pid = suffix.STPID
	}
	return suffix.Append(b, suffix.Suffix{Device: opt.Device, Product: pid, Vendor: vid, DFU: suffix.DfuSe}), nil
}
