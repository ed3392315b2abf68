package board

import (
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/flash"
)

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
	// Range is the range, Sectors the sectors it touches.
	Range   Range
	Sectors []Sector
}

// Exact reports whether the sectors are exactly the range.
func (c Cover) Exact() bool { return len(c.Outside) == 0 }

// CoverOf says how list, the sectors r touches in order, covers r.
func CoverOf(r Range, list []Sector) Cover {
	if len(list) == 0 {
		return Cover{}
	}
	first, last := list[0], list[len(list)-1]
	c := Cover{Lo: uint64(first.Address), Hi: uint64(last.Address) + uint64(last.Size), Range: r, Sectors: list}
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

// String names the sectors and their span: "sector 0-1,
// 0x08000000-0x08007fff (32768 bytes)".
func (c Cover) String() string {
	return fmt.Sprintf("sector %s, 0x%08x-0x%08x (%d bytes)", SectorNumbers(Indexes(c.Sectors)), c.Lo, c.Hi-1, c.Hi-c.Lo)
}

// Partial says, for a cover that is not exact, what erasing the sectors
// would erase outside the range, and that nothing was erased.
func (c Cover) Partial() string {
	var outside []string
	for _, o := range c.Outside {
		outside = append(outside, fmt.Sprintf("0x%08x-0x%08x", o.Start, uint64(o.Start)+o.Length-1))
	}
	return fmt.Sprintf("covers only part of sector %s: erasing them also erases %s, outside the range; nothing was erased", SectorNumbers(Indexes(c.Sectors)), strings.Join(outside, " and "))
}

// EndHint explains, for a range written START-END whose END is the first
// byte of its last sector (EndStartsSector: the usual off-by-one, END
// taken as exclusive), how to write the sectors before it; "" for other
// ranges.
func (c Cover) EndHint() string {
	if !c.Range.Inclusive || !c.EndStartsSector {
		return ""
	}
	last, r := c.Sectors[len(c.Sectors)-1], c.Range
	return fmt.Sprintf("(END is inclusive: 0x%08x is the first byte of sector %d; for the sectors before it write 0x%08x-0x%08x or 0x%08x+%s)", last.Address, last.Index, r.Start, last.Address-1, r.Start, flash.Size(last.Address-r.Start))
}

// Indexes returns the sectors' numbers.
func Indexes(list []Sector) []int {
	var n []int
	for _, sec := range list {
		n = append(n, sec.Index)
	}
	return n
}
