package firmware

import "sort"

// Builder gathers the data records of a file as a reader meets them and
// turns them into segments. Records that continue the previous one are
// kept in a chain of chunks and copied into their segment once at the end,
// so a 2 MiB image read record by record allocates about 4 MiB in all
// (instead of the repeated copies of a growing slice).
type Builder struct {
	runs []run
}

type run struct {
	alt    uint8
	addr   uint32
	size   uint64
	chunks [][]byte
}

const maxChunk = 64 << 10

// Add records a copy of data at addr for alt setting alt.
func (b *Builder) Add(alt uint8, addr uint32, data []byte) {
	if len(data) == 0 {
		return
	}
	n := len(b.runs)
	if n == 0 || b.runs[n-1].alt != alt || uint64(b.runs[n-1].addr)+b.runs[n-1].size != uint64(addr) {
		b.runs = append(b.runs, run{alt: alt, addr: addr})
		n++
	}
	r := &b.runs[n-1]
	r.size += uint64(len(data))
	for len(data) > 0 {
		k := len(r.chunks)
		if k == 0 || len(r.chunks[k-1]) == cap(r.chunks[k-1]) {
			// Chunks grow with the run, so small runs stay small.
			c := min(maxChunk, max(256, int(r.size), len(data)))
			r.chunks = append(r.chunks, make([]byte, 0, c))
			k++
		}
		last := &r.chunks[k-1]
		m := min(len(data), cap(*last)-len(*last))
		*last = append(*last, data[:m]...)
		data = data[m:]
	}
}

// Segments returns the gathered runs as segments, one per run of
// contiguous data, in the order the runs began. The Builder is empty
// afterwards.
func (b *Builder) Segments() []Segment {
	segs := make([]Segment, 0, len(b.runs))
	for _, r := range b.runs {
		var data []byte
		if len(r.chunks) == 1 {
			data = r.chunks[0]
		} else {
			data = make([]byte, 0, r.size)
			for _, c := range r.chunks {
				data = append(data, c...)
			}
		}
		segs = append(segs, Segment{Address: r.addr, Alt: r.alt, Data: data[:len(data):len(data)]})
	}
	b.runs = nil
	return segs
}

// Assemble sorts pieces by alt setting and address, joins adjacent ones
// and normalizes the image, reporting overlaps. Readers whose records may
// come in any order (UF2 blocks, DfuSe elements, the runs of a Builder)
// use it instead of letting Normalize join many small segments one by
// one. The image's own segments are sorted in with the pieces; a piece's
// data is kept without a copy unless it has to be joined with the next.
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
	// Join runs of adjacent pieces with one allocation per run.
	for i := 0; i < len(pieces); {
		if len(pieces[i].Data) == 0 {
			i++
			continue
		}
		j, size := i+1, uint64(len(pieces[i].Data))
		for j < len(pieces) && pieces[j].Alt == pieces[i].Alt && uint64(pieces[i].Address)+size == uint64(pieces[j].Address) {
			size += uint64(len(pieces[j].Data))
			j++
		}
		seg := pieces[i]
		if j > i+1 {
			data := make([]byte, 0, size)
			for _, p := range pieces[i:j] {
				data = append(data, p.Data...)
			}
			seg.Data = data
		}
		img.Segments = append(img.Segments, seg)
		i = j
	}
	return img.Normalize()
}
