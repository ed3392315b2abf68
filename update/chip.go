package update

import (
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Chip identifies the chip behind a DFU device from its device descriptor
// (VID:PID, bcdDevice) and the layout of its internal flash, in the chip
// database (package part). For a layout the database does not know, ok is
// false and the chip is what part.Identify assumes for it.
//
// altNames are the device's alternate-setting strings where known (the
// option-byte one tells an STM32F722 from an STM32F411 with the same
// sectors).
func Chip(d usb.DeviceDescriptor, l dfu.Layout, altNames ...string) (c *part.Chip, ok bool) {
	return part.Identify(part.Device{Vendor: d.Vendor, Product: d.Product, BCDDevice: d.Device, AltNames: altNames, Flash: Units(l)})
}

// Units returns the sectors or pages of a layout as the chip database's
// erase units.
func Units(l dfu.Layout) []part.Unit {
	var out []part.Unit
	for _, s := range l.All() {
		out = append(out, part.Unit{Address: s.Address, Size: s.Size})
	}
	return out
}

// boardChip is the DFU connection of a board whose chip is known: a
// flash.Device whose layout takes the chip's quirks into account.
type boardChip struct {
	*dfu.Conn
	chip   *part.Chip
	quirks part.Quirks
	layout dfu.Layout
}

// Layout returns the internal-flash layout as the chip really has it:
// every unit erasable and writable where the ROM's type letters are wrong
// (part.Quirks.WrongTypeLetters).
func (b *boardChip) Layout() dfu.Layout { return b.layout }

// boardChip identifies the chip behind conn (on internal flash), refuses
// one the database does not know unless Options.Force, and tunes the
// connection to the chip's ROM quirks.
func (j *job) boardChip(info usb.DeviceInfo, conn *dfu.Conn, optName string) (*boardChip, error) {
	opts := j.opts
	l := conn.Layout()
	chip, known := Chip(info.Descriptors.Device, l, optName)
	if !known {
		if !opts.Force {
			return nil, &GuardError{Err: ErrUnknownPart, Detail: fmt.Sprintf("%s %q shows %s (%s)", info.ID(), info.Descriptors.ProductName(), l.Describe(0), chip.Shape())}
		}
		opts.emit(Event{Kind: "note", Message: fmt.Sprintf("--force: writing a device whose flash layout (%s) is not a known STM32F4 one", chip.Shape())})
	}
	q := chip.Family.ROM(info.Descriptors.Device.Device).Quirks
	conn.SetClearStuckBusy(q.StaysBusy || opts.DFU.ClearStuckBusy)
	b := &boardChip{Conn: conn, chip: chip, quirks: q, layout: l}
	if q.WrongTypeLetters {
		b.layout = allWritable(l)
	}
	return b, nil
}

// flashOptions returns the plan options for the chip: its flash word, its
// erase unit's name and, with Options.Estimate, its datasheet timing.
func (b *boardChip) flashOptions(opts *Options) flash.Options {
	f := opts.Flash
	f.WriteUnit = max(f.WriteUnit, b.chip.WriteUnit)
	if f.EraseUnit == "" {
		f.EraseUnit = b.chip.Family.EraseUnit
	}
	if opts.Estimate && f.Timing == nil {
		f.Timing = flash.DatasheetTiming(b.chip.Family)
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
