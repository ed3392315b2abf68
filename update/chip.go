package update

import (
	"fmt"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/part"
)

// chipDevice is a session's DFU engine as the chip's ROM needs it (its
// quirks from the chip database): a flash.Device.
type chipDevice struct {
	*dfu.Conn
	layout dfu.Layout
}

// Layout returns the internal-flash layout as the chip has it: every unit
// erasable and writable where the ROM's type letters are wrong
// (part.Quirks.WrongTypeLetters).
func (d *chipDevice) Layout() dfu.Layout { return d.layout }

// newChipDevice tunes the session's engine to the chip's ROM quirks:
// clearing an erase that stays in dfuDNBUSY (StaysBusy) and ignoring
// wrong type letters.
func newChipDevice(s *board.Session, chip *part.Chip) *chipDevice {
	conn := s.Conn()
	q := chip.Family.ROM(s.Board.Descriptors.Device.Device).Quirks
	conn.SetClearStuckBusy(q.StaysBusy)
	d := &chipDevice{Conn: conn, layout: conn.Layout()}
	if q.WrongTypeLetters {
		d.layout = allWritable(d.layout)
	}
	return d
}

// flashOptions returns the plan options for the job's chip: its flash
// word, its erase unit's name and, with Options.Estimate, its datasheet
// timing.
func (j *job) flashOptions() flash.Options {
	f := j.opts.Flash
	if j.chip == nil {
		return f
	}
	f.WriteUnit = max(f.WriteUnit, j.chip.WriteUnit)
	if f.EraseUnit == "" {
		f.EraseUnit = j.chip.Family.EraseUnit
	}
	if j.opts.Estimate && f.Timing == nil {
		f.Timing = flash.DatasheetTiming(j.chip.Family)
	}
	return f
}

// allWritable returns l with every sector readable, erasable and writable.
func allWritable(l dfu.Layout) dfu.Layout {
	out := dfu.Layout{Name: l.Name}
	for _, r := range l.Regions {
		nr := dfu.Region{Address: r.Address}
		for _, s := range r.Sectors {
			s.Flags |= dfu.Readable | dfu.Erasable | dfu.Writable
			nr.Sectors = append(nr.Sectors, s)
		}
		out.Regions = append(out.Regions, nr)
	}
	return out
}

// reserved refuses a plan that touches flash the chip's ROM keeps for
// itself (part.Chip.Reserved: the STM32WB radio firmware).
func reserved(chip *part.Chip, p *flash.Plan) error {
	for _, s := range p.Sectors {
		if s.Action != flash.Untouched && chip.IsReserved(s.Address, uint64(s.Size)) {
			r := chip.Reserved[0]
			return fmt.Errorf("the image touches %s %d at 0x%08x, inside 0x%08x-0x%08x, which %s keeps for its radio firmware (its ROM refuses to erase it): link the application below 0x%08x", p.Unit, s.Index, s.Address, r.Start, r.End()-1, chip.Name, r.Start)
		}
	}
	return nil
}
