package board

import (
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Chip identifies the chip behind a DFU device from its device descriptor
// (VID:PID, bcdDevice) and the layout of its internal flash, in the chip
// database (package part). For a layout the database does not know, ok is
// false and the chip is what part.Identify assumes for it. altNames are
// the device's alternate-setting strings where known: the option-byte one
// tells an STM32F722 from an STM32F411 with the same sectors.
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

// Chip identifies the chip of a board in the ROM bootloader from its
// device descriptor and the memory map of its first alternate setting
// (internal flash); ok is false for a board that shows none, or a layout
// the chip database does not know.
func (b Board) Chip() (c *part.Chip, ok bool) {
	if b.Mode != DFU || len(b.Alts) == 0 {
		return nil, false
	}
	l, err := dfu.ParseLayout(b.Alts[0])
	if err != nil {
		return nil, false
	}
	return Chip(b.Info.Descriptors.Device, l, b.Alts...)
}
