package flash

import (
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
)

// BootReason is the Reason of a boot unit that is erased only because
// the plan changes other units while it holds a vector table.
const BootReason = "it holds the boot vector table and other units change: erased first and written last, so that an interrupted update leaves it blank, never the old vector table in front of a half-written image"

// bootFirst makes the unit at the flash base (the boot unit, whose first
// words are the vector table a reset from flash starts) erased first and
// written last when the image covers the flash base, the unit holds a
// vector table now (its first 8 bytes, initial stack pointer and reset
// vector, are not erased) and the plan writes or erases anything outside
// the unit's first block; otherwise an interrupted update would leave
// the old vector table, which the ROM or a reset starts, in front of
// half-written units. The erase comes first because Erased lists units
// in address order and the boot unit is the first; Run writes its first
// block last. The bytes of the unit outside the image are kept whatever
// Options.NoKeep says (this erase is the plan's choice, not the user's).
// It returns pieces with the unit's new ones; a unit the layout cannot
// erase gets a note instead. An image that does not cover the flash base
// (an application behind a bootloader of its own) leaves the unit alone.
func (p *Plan) bootFirst(im *firmware.Image, survey *Survey, final map[int][]byte, pieces []Span, o *Options) ([]Span, error) {
	i := p.bootIndex()
	if i < 0 || o.InterruptMayBootOld {
		return pieces, nil
	}
	s := p.Sectors[i]
	if s.Action != Unchanged && s.Action != Program {
		return pieces, nil // untouched, or erased already (first: lowest address)
	}
	cur := survey.Content[s.Address]
	si := imageIn(s.Sector, im)
	if si.n == 0 || !si.has(0) || len(cur) < 8 || firstNotFF(cur[:8]) < 0 || !p.changesBeyond(i, pieces, o.TransferSize) {
		return pieces, nil
	}
	if s.Flags&dfu.Erasable == 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%s %d at 0x%08x holds the boot vector table and the layout says it cannot be erased: an interrupted update can leave the old vector table in front of a half-written image", p.Unit, s.Index, s.Address))
		return pieces, nil
	}
	sp := sectorPlan{SectorPlan: SectorPlan{Sector: s.Sector, ImageBytes: si.n, Surveyed: s.Surveyed, Reason: BootReason}, mask: si.mask}
	f, err := erased(&sp, si, cur, true, false)
	if err != nil {
		return nil, err
	}
	kept := pieces[:0:0]
	for _, pc := range pieces {
		if pc.End() <= uint64(s.Address) || uint64(pc.Address) >= s.End() {
			kept = append(kept, pc)
		}
	}
	final[s.Index] = f
	p.Sectors[i] = sp.SectorPlan
	p.Notes = append(p.Notes, fmt.Sprintf("%s %d (%s) holds the boot vector table: it is erased first and written last although the image does not change it, so that an interrupted update leaves no vector table in front of a half-written image", p.Unit, s.Index, Size(s.Size)))
	return append(kept, alignSpans(sp.pieces(f), s.Address, f, o.WriteUnit)...), nil
}

// bootIndex returns the index in Sectors of the unit at the flash base
// (the first region's address), or -1.
func (p *Plan) bootIndex() int {
	if len(p.Layout.Regions) == 0 {
		return -1
	}
	base := p.Layout.Regions[0].Address
	for i, s := range p.Sectors {
		if s.Address == base {
			return i
		}
	}
	return -1
}

// changesBeyond reports whether the plan erases or writes anything but
// the first block of unit i: another unit that changes, or a piece of
// unit i past its first block.
func (p *Plan) changesBeyond(i int, pieces []Span, xfer int) bool {
	for j, s := range p.Sectors {
		if j != i && s.Action != Untouched && s.Action != Unchanged {
			return true
		}
	}
	s := p.Sectors[i]
	for _, pc := range pieces {
		if uint64(pc.Address) < s.End() && pc.End() > uint64(s.Address)+uint64(xfer) {
			return true
		}
	}
	return false
}
