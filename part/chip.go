package part

import (
	"fmt"
	"strings"
)

// FlashBase is where internal flash starts on every STM32 and clone in
// the database (the boot address with BOOT0 low).
const FlashBase = 0x08000000

// Range is a memory range [Start, Start+Size).
type Range struct {
	Start, Size uint32
}

// End returns the address just past the range.
func (r Range) End() uint64 { return uint64(r.Start) + uint64(r.Size) }

// Contains reports whether addr lies in the range.
func (r Range) Contains(addr uint32) bool { return addr >= r.Start && uint64(addr) < r.End() }

// Unit is one erase unit of internal flash: a sector or a page.
type Unit struct {
	Address, Size uint32
	// Bank is the flash bank (0 = bank 1); on STM32F4 also the
	// option-byte block whose nWRP bits protect the unit.
	Bank int
	// Index numbers the units of a bank from 0 (the sector number within
	// the bank, and the nWRP bit on STM32F4).
	Index int
}

// End returns the address just past the unit.
func (u Unit) End() uint64 { return uint64(u.Address) + uint64(u.Size) }

// Variant is one part number (or a set written with x for the letters
// that do not change the memories: "STM32F405xG") and its RAM.
type Variant struct {
	Name string
	// RAM lists the RAM an initial stack pointer may point into; the
	// first is the SRAM an application's stack usually starts from.
	RAM []Range
}

// Chip is one flash layout of a family, as a host tells it apart over DFU,
// with the part numbers that have it.
type Chip struct {
	// Name says which parts show this layout: "STM32F405/407/415/417 (1 MB)".
	Name   string
	Family *Family
	// Flash lists the erase units in address order.
	Flash []Unit
	// OptionBlocks are the addresses of the option-byte blocks, bank 1
	// first.
	OptionBlocks []uint32
	// Variants are the part numbers with this layout.
	Variants []Variant
	// RAM is every RAM of the variants, each the largest among them, so
	// that a guard never refuses an image that boots on one of them.
	RAM []Range
	// Reserved are flash ranges the ROM refuses to erase or write (the
	// STM32WB radio firmware): a host never touches them.
	Reserved []Range
	// WriteUnit is the flash programming granularity in bytes (32 on
	// STM32H7): a host pads writes to it.
	WriteUnit int
	// ROMStrings are the alternate-setting strings the ROM shows, in
	// order, with %c where the ROM version's type letter of small areas
	// goes (see Family.ROM); empty when no public source shows them.
	ROMStrings []string
}

// FlashRange returns the range of internal flash.
func (c *Chip) FlashRange() Range {
	if len(c.Flash) == 0 {
		return Range{}
	}
	last := c.Flash[len(c.Flash)-1]
	return Range{c.Flash[0].Address, uint32(last.End() - uint64(c.Flash[0].Address))}
}

// Unit returns the erase unit that holds addr.
func (c *Chip) Unit(addr uint32) (Unit, bool) {
	for _, u := range c.Flash {
		if addr >= u.Address && uint64(addr) < u.End() {
			return u, true
		}
	}
	return Unit{}, false
}

// Shape renders the chip's erase units as "4*16K,1*64K,7*128K".
func (c *Chip) Shape() string { return Shape(c.Flash) }

// Shape renders erase units as "4*16K,1*64K,...": runs of equal sizes.
func Shape(units []Unit) string {
	var groups []string
	for i := 0; i < len(units); {
		j := i
		for j < len(units) && units[j].Size == units[i].Size {
			j++
		}
		groups = append(groups, fmt.Sprintf("%d*%dK", j-i, units[i].Size>>10))
		i = j
	}
	return strings.Join(groups, ",")
}

// StackOK reports whether msp is a valid initial stack pointer: in
// (start, end] of one of the chip's RAMs, the end included (a linker's
// _estack).
func (c *Chip) StackOK(msp uint32) bool {
	for _, r := range c.RAM {
		if r.Size > 0 && msp > r.Start && uint64(msp) <= r.End() {
			return true
		}
	}
	return false
}

// DescribeRAM lists the chip's RAM for messages: "SRAM (0x20000000,
// 0x20020000] or CCM RAM (0x10000000, 0x10010000]".
func (c *Chip) DescribeRAM() string {
	var s []string
	for i, r := range c.RAM {
		name := "RAM"
		switch {
		case i == 0:
			name = "SRAM"
		case r.Start == 0x10000000:
			name = "CCM RAM"
		case r.Start == 0:
			name = "ITCM RAM"
		}
		s = append(s, fmt.Sprintf("%s (0x%08x, 0x%08x]", name, r.Start, r.End()))
	}
	return strings.Join(s, " or ")
}

// BootOK returns why a vector table (initial stack pointer msp, reset
// vector reset) cannot start on the chip; nothing when it can.
func (c *Chip) BootOK(msp, reset uint32) []string {
	var why []string
	if !c.StackOK(msp) {
		why = append(why, fmt.Sprintf("initial stack pointer 0x%08x is not in %s of %s", msp, c.DescribeRAM(), c.Name))
	}
	if reset&1 == 0 {
		why = append(why, fmt.Sprintf("reset vector 0x%08x is even (not a Thumb address)", reset))
	}
	if _, in := c.Unit(reset &^ 1); !in {
		why = append(why, fmt.Sprintf("reset vector 0x%08x points outside flash", reset))
	}
	return why
}

// IsReserved reports whether any of the n bytes from addr lie in a range
// the ROM refuses (Reserved).
func (c *Chip) IsReserved(addr uint32, n uint64) bool {
	for _, r := range c.Reserved {
		if uint64(addr) < r.End() && uint64(r.Start) < uint64(addr)+n {
			return true
		}
	}
	return false
}

// ROMString returns the chip's alternate-setting strings as ROM version
// rom shows them.
func (c *Chip) ROMString(rom ROM) []string {
	out := make([]string, len(c.ROMStrings))
	for i, s := range c.ROMStrings {
		out[i] = strings.ReplaceAll(s, "%c", string(rom.SmallType()))
	}
	return out
}

// Variant returns the chip's variant that a part number names
// ("STM32F405RG" matches "STM32F405xG"; case is ignored).
func (c *Chip) Variant(number string) (Variant, bool) {
	for _, v := range c.Variants {
		if matchNumber(v.Name, number) {
			return v, true
		}
	}
	return Variant{}, false
}

// matchNumber reports whether number fits pattern, where an 'x' in the
// pattern stands for any one character.
func matchNumber(pattern, number string) bool {
	if len(pattern) != len(number) {
		return false
	}
	p, n := strings.ToUpper(pattern), strings.ToUpper(number)
	for i := range p {
		if pattern[i] != 'x' && p[i] != n[i] {
			return false
		}
	}
	return true
}

// group is a run of equal erase units; newBank starts a new bank with it.
type group struct {
	count   int
	kib     uint32
	newBank bool
}

// units builds erase units from groups, starting at FlashBase; a bank
// boundary where newBank is set.
func units(groups ...group) []Unit {
	var out []Unit
	addr, bank, index := uint32(FlashBase), 0, 0
	for gi, g := range groups {
		if g.newBank && gi > 0 {
			bank, index = bank+1, 0
		}
		for range g.count {
			out = append(out, Unit{Address: addr, Size: g.kib << 10, Bank: bank, Index: index})
			addr += g.kib << 10
			index++
		}
	}
	return out
}

// newChip builds a chip from its variants, taking for RAM at each start
// address the largest the variants have.
func newChip(name string, f *Family, flash []Unit, options []uint32, vs ...Variant) *Chip {
	c := &Chip{Name: name, Family: f, Flash: flash, OptionBlocks: options, Variants: vs, WriteUnit: f.WriteUnit}
	c.RAM = mergeRAM(vs)
	return c
}

func mergeRAM(vs []Variant) []Range {
	var out []Range
	for _, v := range vs {
		for _, r := range v.RAM {
			found := false
			for i := range out {
				if out[i].Start == r.Start {
					out[i].Size = max(out[i].Size, r.Size)
					found = true
				}
			}
			if !found {
				out = append(out, r)
			}
		}
	}
	return out
}

// pages returns count equal erase units of kib KiB in banks equal banks.
func pages(count int, kib uint32, banks int) []Unit {
	var g []group
	for b := range banks {
		g = append(g, group{count / banks, kib, b > 0})
	}
	return units(g...)
}

// ram returns a RAM range of k KiB at start.
func ram(start, k uint32) Range { return Range{start, k << 10} }
