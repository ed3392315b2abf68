package part

import (
	"slices"
	"strconv"
	"strings"
)

// Families lists every family in the database.
var Families = []*Family{STM32F4, STM32F2, STM32F7, STM32H7, STM32L4, STM32G0, STM32G4, STM32WB, AT32F43x, GD32F4, APM32F4}

// chips lists every chip in the database.
var chips = slices.Concat(stm32f4Chips, stm32f2Chips, stm32f7Chips, stm32h7Chips, stm32l4Chips,
	stm32g0Chips, stm32g4Chips, stm32wbChips, at32Chips, gd32Chips, apm32Chips)

// Chips returns every chip in the database.
func Chips() []*Chip { return slices.Clone(chips) }

// Device is what a DFU device shows a host.
type Device struct {
	// Vendor, Product and BCDDevice are from the device descriptor; zero
	// Vendor and Product match any family.
	Vendor, Product, BCDDevice uint16
	// AltNames are the iInterface strings of the DFU alternate settings;
	// none matches any option-byte address.
	AltNames []string
	// Flash lists the erase units of the internal-flash layout (the
	// addresses and sizes; Bank and Index are ignored).
	Flash []Unit
}

// Unknown is the family Identify assumes for a device it does not know.
var Unknown = STM32F4

// Identify returns the chip behind d: the one whose USB ID, flash units
// and option-byte address (the first address of an alternate setting
// whose name holds "Option") d shows. Where several chips match (an
// STM32F205xG and an STM32F405xG show the same), the result names them
// all and has the largest RAM of each, so that a guard refuses only what
// boots on none of them.
//
// For a layout the database does not know, ok is false and the chip is
// built from what d shows: its erase units, banks assumed where a 16 KB
// sector follows a larger one (as on STM32F4), and the largest STM32F4
// memories (320 KB SRAM, 64 KB CCM).
func Identify(d Device) (c *Chip, ok bool) {
	shape, opt := Shape(d.Flash), optionAddress(d.AltNames)
	var found []*Chip
	for _, c := range chips {
		if c.Shape() == shape && c.Flash[0].Address == firstAddress(d.Flash) && usbMatches(c.Family, d) &&
			(opt == 0 || len(c.OptionBlocks) == 0 || c.OptionBlocks[0] == opt) {
			found = append(found, c)
		}
	}
	// The option block's size, where the device shows one, settles chips
	// of families that share a page layout (STM32L4, G0, G4); where no
	// chip has the size shown (a value the database lacks), all stay.
	if size := optionSize(d.AltNames); size != 0 {
		var exact []*Chip
		for _, c := range found {
			if c.Family.Options.Size == size {
				exact = append(exact, c)
			}
		}
		if len(exact) > 0 {
			found = exact
		}
	}
	switch len(found) {
	case 0:
		return unknownChip(d.Flash), false
	case 1:
		return found[0], true
	}
	return merged(found), true
}

// merged is one chip standing for several that look the same.
func merged(cs []*Chip) *Chip {
	m := *cs[0]
	var names []string
	var vs []Variant
	for _, c := range cs {
		names = append(names, c.Name)
		vs = append(vs, c.Variants...)
	}
	m.Name = strings.Join(names, " or ")
	m.Variants = vs
	m.RAM = mergeRAM(vs)
	return &m
}

// optionAddress returns the first address of the option-byte alternate
// setting among names, or 0.
func optionAddress(names []string) uint32 {
	for _, n := range names {
		at := strings.Index(n, "/0x")
		if at < 0 || !strings.Contains(strings.ToLower(n[:at]), "option") {
			continue
		}
		rest := n[at+3:]
		if end := strings.IndexByte(rest, '/'); end >= 0 {
			rest = rest[:end]
		}
		if v, err := strconv.ParseUint(rest, 16, 32); err == nil {
			return uint32(v)
		}
	}
	return 0
}

// optionSize returns the size of the first block of the option-byte
// alternate setting among names ("/01*048 e" is 48), or 0.
func optionSize(names []string) uint32 {
	for _, n := range names {
		at := strings.Index(n, "/0x")
		if at < 0 || !strings.Contains(strings.ToLower(n[:at]), "option") {
			continue
		}
		rest := n[at+3:]
		slash := strings.IndexByte(rest, '/')
		star := strings.IndexByte(rest, '*')
		if slash < 0 || star < slash {
			return 0
		}
		digits := rest[star+1:]
		end := 0
		for end < len(digits) && digits[end] >= '0' && digits[end] <= '9' {
			end++
		}
		v, err := strconv.ParseUint(digits[:end], 10, 32)
		if err != nil || end < len(digits) && digits[end] != ' ' && (digits[end] < 'a' || digits[end] > 'g') {
			return 0 // K or M multipliers: not an option block
		}
		return uint32(v)
	}
	return 0
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
	return &Chip{Name: "unknown " + Unknown.Name, Family: Unknown, Flash: flash, OptionBlocks: opts,
		RAM: []Range{sram(320), ccm64}, WriteUnit: Unknown.WriteUnit}
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

// FamilyOf returns the families whose ROM shows vid:pid.
func FamilyOf(vid, pid uint16) []*Family {
	var out []*Family
	for _, f := range Families {
		if slices.Contains(f.USB, USBID{vid, pid}) {
			out = append(out, f)
		}
	}
	return out
}
