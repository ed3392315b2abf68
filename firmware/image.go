// Package firmware is the in-memory model of a firmware image (segments of
// bytes at addresses, plus what the file said about its target) and the
// loading and writing of the file formats people flash.
package firmware

import (
	"fmt"
	"sort"
)

// Segment is a run of bytes at an address.
type Segment struct {
	Address uint32
	Data    []byte
	// Alt is the DfuSe alternate setting the segment is meant for (0 =
	// internal flash); only .dfu files name another.
	Alt uint8
}

// End returns the address just past the segment (as uint64: a segment may
// end exactly at 4 GiB).
func (s Segment) End() uint64 { return uint64(s.Address) + uint64(len(s.Data)) }

// Image is a firmware image: non-overlapping segments sorted by address,
// and metadata from the file.
type Image struct {
	Segments []Segment
	// Entry is the entry point the file names (ELF e_entry, HEX record 05,
	// S-record S7/S8/S9), or 0 when it names none.
	Entry uint32
	// Vendor, Product and Device come from a DFU suffix; 0xFFFF = any,
	// 0 = no suffix.
	Vendor, Product, Device uint16
	// Format names the format the image was read from ("bin", "ihex", ...).
	Format string
}

// Size returns the number of bytes in all segments.
func (img *Image) Size() int {
	n := 0
	for _, s := range img.Segments {
		n += len(s.Data)
	}
	return n
}

// Normalize sorts the segments by alt setting and address, drops empty
// ones, joins adjacent ones and reports an error naming the first overlap.
func (img *Image) Normalize() error {
	sort.SliceStable(img.Segments, func(a, b int) bool {
		x, y := img.Segments[a], img.Segments[b]
		if x.Alt != y.Alt {
			return x.Alt < y.Alt
		}
		return x.Address < y.Address
	})
	segs := img.Segments[:0:0]
	for _, s := range img.Segments {
		if len(s.Data) == 0 {
			continue
		}
		if n := len(segs); n > 0 && segs[n-1].Alt == s.Alt {
			last := &segs[n-1]
			if uint64(s.Address) < last.End() {
				return fmt.Errorf("firmware: segments overlap: 0x%08x-0x%08x and 0x%08x-0x%08x",
					last.Address, last.End()-1, s.Address, s.End()-1)
			}
			if uint64(s.Address) == last.End() {
				last.Data = append(last.Data[:len(last.Data):len(last.Data)], s.Data...)
				continue
			}
		}
		segs = append(segs, s)
	}
	img.Segments = segs
	return nil
}

// Span returns the lowest address and the address just past the highest
// byte of a normalized single-alt image. An empty image returns 0, 0.
func (img *Image) Span() (lo uint32, hi uint64) {
	if len(img.Segments) == 0 {
		return 0, 0
	}
	return img.Segments[0].Address, img.Segments[len(img.Segments)-1].End()
}
