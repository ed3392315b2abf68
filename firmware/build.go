package firmware

import "sort"

// AddData adds a copy of data at addr for alt setting alt. When it
// continues the last segment exactly (same alt, starts where that segment
// ends) it is appended to it, so readers that meet their data in address
// order build few large segments cheaply. The last segment must own the
// spare capacity of its Data (true of every segment AddData made). Call
// Normalize (or Assemble) when done.
func (img *Image) AddData(alt uint8, addr uint32, data []byte) {
	if len(data) == 0 {
		return
	}
	if n := len(img.Segments); n > 0 {
		last := &img.Segments[n-1]
		if last.Alt == alt && last.End() == uint64(addr) {
			last.Data = append(last.Data, data...)
			return
		}
	}
	img.Segments = append(img.Segments, Segment{Address: addr, Alt: alt, Data: append([]byte(nil), data...)})
}

// Assemble sorts pieces by alt setting and address, merges adjacent ones
// into the image with AddData and normalizes it, reporting overlaps.
// Readers whose records may come in any order (UF2 blocks, DfuSe
// elements, HEX records) use it instead of letting Normalize join many
// small segments one by one. The image's segments are sorted in with the
// pieces; a piece's data is kept without a copy unless it has to be joined
// with the next one.
func (img *Image) Assemble(pieces []Segment) error {
	pieces = append(img.Segments, pieces...)
	img.Segments = nil
	sort.SliceStable(pieces, func(a, b int) bool {
		x, y := pieces[a], pieces[b]
		if x.Alt != y.Alt {
			return x.Alt < y.Alt
		}
		return x.Address < y.Address
	})
	owned := false // whether the last segment's spare capacity is ours
	for _, p := range pieces {
		if len(p.Data) == 0 {
			continue
		}
		if n := len(img.Segments); n > 0 {
			last := &img.Segments[n-1]
			if last.Alt == p.Alt && last.End() == uint64(p.Address) {
				if !owned {
					// The piece may share its array with others: copy once.
					last.Data = last.Data[:len(last.Data):len(last.Data)]
					owned = true
				}
				last.Data = append(last.Data, p.Data...)
				continue
			}
		}
		img.Segments = append(img.Segments, p)
		owned = false
	}
	return img.Normalize()
}
