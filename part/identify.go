package part

import "slices"

// Families lists every family in the database.
var Families = []*Family{STM32F4}

// chips lists every chip in the database.
var chips = slices.Concat(stm32f4Chips)

// Chips returns every chip in the database.
func Chips() []*Chip { return slices.Clone(chips) }

// Device is what a DFU device shows a host.
type Device struct {
	// Vendor, Product and BCDDevice are from the device descriptor; zero
	// Vendor and Product match any family.
	Vendor, Product, BCDDevice uint16
	// AltNames are the iInterface strings of the DFU alternate settings.
	AltNames []string
	// Flash lists the erase units of the internal-flash layout (the
	// addresses and sizes; Bank and Index are ignored).
	Flash []Unit
}

// Unknown is the family Identify assumes for a device it does not know.
var Unknown = STM32F4

// Identify returns the chip behind d. For a layout the database does not
// know, ok is false and the chip is built from what d shows: its erase
// units, banks assumed where a 16 KB sector follows a larger one (as on
// STM32F4), and the largest STM32F4 memories (320 KB SRAM, 64 KB CCM) so
// that guards refuse only what cannot boot on any STM32F4.
func Identify(d Device) (c *Chip, ok bool) {
	shape := Shape(d.Flash)
	for _, c := range chips {
		if c.Shape() == shape && c.Flash[0].Address == firstAddress(d.Flash) && usbMatches(c.Family, d) {
			return c, true
		}
	}
	return unknownChip(d.Flash), false
}

func firstAddress(u []Unit) uint32 {
	if len(u) == 0 {
		return 0
	}
	return u[0].Address
}

func usbMatches(f *Family, d Device) bool {
	if d.Vendor == 0 && d.Product == 0 {
		return true
	}
	return slices.Contains(f.USB, USBID{d.Vendor, d.Product})
}

// unknownChip describes a layout the database does not know.
func unknownChip(shown []Unit) *Chip {
	flash := make([]Unit, len(shown))
	bank, index := 0, 0
	for i, u := range shown {
		if i > 0 && u.Size == 16<<10 && shown[i-1].Size > 16<<10 {
			bank, index = bank+1, 0
		}
		flash[i] = Unit{Address: u.Address, Size: u.Size, Bank: bank, Index: index}
		index++
	}
	opts := []uint32{f4Options1}
	if bank > 0 {
		opts = append(opts, f4Options2)
	}
	return &Chip{Name: "unknown " + Unknown.Name, Family: Unknown, Flash: flash, OptionBlocks: opts, SRAM: sram(320), CCM: ccm64}
}

// Lookup returns the chip and variant of a part number such as
// "STM32F405RG".
func Lookup(number string) (*Chip, Variant, bool) {
	for _, c := range chips {
		if v, ok := c.Variant(number); ok {
			return c, v, true
		}
	}
	return nil, Variant{}, false
}

// ROMIDs returns the USB IDs of every known ROM bootloader in DFU mode.
func ROMIDs() []USBID {
	var out []USBID
	for _, f := range Families {
		for _, id := range f.USB {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// IsROM reports whether vid:pid is a known ROM bootloader in DFU mode.
func IsROM(vid, pid uint16) bool { return slices.Contains(ROMIDs(), USBID{vid, pid}) }
