package board

// Cover is how the sectors a range resolves to (Session.Sectors) cover
// it.
type Cover struct {
	// Lo and Hi are the sectors' span, Hi exclusive.
	Lo, Hi uint64
	// Outside are the parts of the sectors outside the range: before it,
	// after it, or both. Erasing the sectors erases them too.
	Outside []Range
	// EndStartsSector is set when the range's last byte is the first byte
	// of its last sector: the range ends one byte into a sector it
	// probably meant to leave alone (an end taken as exclusive).
	EndStartsSector bool
}

// Exact reports whether the sectors are exactly the range.
func (c Cover) Exact() bool { return len(c.Outside) == 0 }

// CoverOf says how list, the sectors r touches in order, covers r.
func CoverOf(r Range, list []Sector) Cover {
	if len(list) == 0 {
		return Cover{}
	}
	first, last := list[0], list[len(list)-1]
	c := Cover{Lo: uint64(first.Address), Hi: uint64(last.Address) + uint64(last.Size)}
	end := uint64(r.Start) + r.Length
	if c.Lo < uint64(r.Start) {
		c.Outside = append(c.Outside, Range{Start: uint32(c.Lo), Length: uint64(r.Start) - c.Lo})
	}
	if end < c.Hi {
		c.Outside = append(c.Outside, Range{Start: uint32(end), Length: c.Hi - end})
	}
	c.EndStartsSector = end-1 == uint64(last.Address) && !c.Exact()
	return c
}
