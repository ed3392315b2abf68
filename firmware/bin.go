package firmware

import (
	"bufio"
	"fmt"
	"io"
)

// MaxBinSpan is the largest address span WriteBin fills with padding: an
// image spread wider than this (for example one byte at 0x08000000 and one
// at 0xFFFFFF00) is refused instead of writing gigabytes of 0xFF.
const MaxBinSpan = 256 << 20

// FromBin returns the image of a raw binary loaded at addr. The image
// keeps data (it is not copied).
func FromBin(data []byte, addr uint32) (*Image, error) {
	if end := uint64(addr) + uint64(len(data)); end > 1<<32 {
		return nil, Needing(fmt.Errorf("%w: bin: %d bytes at 0x%08x end at 0x%x, past 4 GiB; give a lower load address",
			ErrInvalid, len(data), addr, end), ErrAddressNeeded)
	}
	img := &Image{Format: "bin"}
	if len(data) > 0 {
		img.Segments = []Segment{{Address: addr, Data: data}}
	}
	return img, nil
}

// WriteBin writes the normalized image as a raw binary, filling gaps
// between segments with 0xFF, and returns the address of its first byte.
// Images with segments for more than one alt setting, or spanning more
// than MaxBinSpan bytes, are refused.
func (img *Image) WriteBin(w io.Writer) (base uint32, err error) {
	if err := img.SingleAlt("bin"); err != nil {
		return 0, err
	}
	lo, hi := img.Span()
	if hi-uint64(lo) > MaxBinSpan {
		return 0, fmt.Errorf("%w: bin: image spans 0x%08x-0x%08x (%d MiB) and a raw binary would be mostly 0xFF padding; write .hex, .srec or .dfu instead",
			ErrUnsupported, lo, hi-1, (hi-uint64(lo))>>20)
	}
	bw := bufio.NewWriter(w)
	var ff [4096]byte
	for i := range ff {
		ff[i] = 0xFF
	}
	pos := uint64(lo)
	for _, s := range img.Segments {
		if uint64(s.Address) < pos {
			return 0, fmt.Errorf("firmware: WriteBin needs a normalized image (segment at 0x%08x is out of order); call Normalize first", s.Address)
		}
		for gap := uint64(s.Address) - pos; gap > 0; {
			n := min(gap, uint64(len(ff)))
			if _, err := bw.Write(ff[:n]); err != nil {
				return 0, err
			}
			gap -= n
		}
		if _, err := bw.Write(s.Data); err != nil {
			return 0, err
		}
		pos = s.End()
	}
	return lo, bw.Flush()
}

// SingleAlt returns an error when the image holds segments for an alt
// setting other than 0, which only the DfuSe format can carry; format
// names the format being written.
func (img *Image) SingleAlt(format string) error {
	for _, s := range img.Segments {
		if s.Alt != 0 {
			return fmt.Errorf("%w: %s cannot say which alt setting a segment is for (0x%08x is for alt %d); write a .dfu file instead",
				ErrUnsupported, format, s.Address, s.Alt)
		}
	}
	return nil
}
