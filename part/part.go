// Package part infers which STM32F4 part family a board is from what its
// ROM bootloader shows (the sector map of internal flash), and knows the
// RAM ranges of each family: what a host needs to tell whether an image's
// vector table can boot (RM0090, RM0368, RM0383, RM0390).
package part

import (
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/dfu"
)

// Range is a memory range [Start, Start+Size).
type Range struct {
	Start, Size uint32
}

// End returns the address just past the range.
func (r Range) End() uint64 { return uint64(r.Start) + uint64(r.Size) }

// Family is a set of parts that share a flash layout.
type Family struct {
	// Name lists the parts: "STM32F405/407/415/417 (1 MB)".
	Name string
	// SRAM is the contiguous SRAM at 0x20000000. Where parts of a family
	// differ, it is the largest, so that a guard never refuses an image
	// that boots on one of them.
	SRAM Range
	// CCM is the core-coupled RAM at 0x10000000 (Size 0: none).
	CCM Range
}

func sram(k uint32) Range { return Range{0x20000000, k << 10} }

var ccm64 = Range{0x10000000, 64 << 10}

// families maps a layout shape (Shape) to its family.
var families = map[string]Family{
	"4*16K,1*64K":                           {"STM32F401xB (128 KB)", sram(64), Range{}},
	"4*16K,1*64K,1*128K":                    {"STM32F401xC, STM32F411xC or STM32F446xC (256 KB)", sram(128), Range{}},
	"4*16K,1*64K,2*128K":                    {"STM32F401xD (384 KB)", sram(96), Range{}},
	"4*16K,1*64K,3*128K":                    {"STM32F401xE, STM32F411xE or STM32F446xE (512 KB)", sram(128), Range{}},
	"4*16K,1*64K,7*128K":                    {"STM32F405/407/415/417 (1 MB)", sram(128), ccm64},
	"4*16K,1*64K,7*128K,4*16K,1*64K,7*128K": {"STM32F427/429/437/439 (2 MB, dual bank)", sram(192), ccm64},
	"4*16K,1*64K,1*128K,4*16K,1*64K,1*128K": {"STM32F42x/43x (512 KB dual bank)", sram(192), ccm64},
	"4*16K,1*64K,3*128K,4*16K,1*64K,3*128K": {"STM32F42x/43x (1 MB dual bank)", sram(192), ccm64},
}

// Unknown is what FromLayout assumes for a layout it does not know: the
// largest STM32F4 memories (320 KB SRAM, 64 KB CCM).
var Unknown = Family{Name: "unknown STM32F4", SRAM: sram(320), CCM: ccm64}

// Shape renders the sectors of a layout as "4*16K,1*64K,...".
func Shape(l dfu.Layout) string {
	var groups []string
	secs := l.All()
	for i := 0; i < len(secs); {
		j := i
		for j < len(secs) && secs[j].Size == secs[i].Size {
			j++
		}
		groups = append(groups, fmt.Sprintf("%d*%dK", j-i, secs[i].Size>>10))
		i = j
	}
	return strings.Join(groups, ",")
}

// FromLayout returns the family whose internal flash has layout l; ok is
// false (and the family Unknown) when no known family has it.
func FromLayout(l dfu.Layout) (f Family, ok bool) {
	f, ok = families[Shape(l)]
	if !ok {
		return Unknown, false
	}
	return f, true
}

// StackOK reports whether msp is a valid initial stack pointer: in
// (start, end] of SRAM or CCM RAM, the end included (a linker's _estack).
func (f Family) StackOK(msp uint32) bool {
	in := func(r Range) bool { return r.Size > 0 && msp > r.Start && uint64(msp) <= r.End() }
	return in(f.SRAM) || in(f.CCM)
}

// WRPBit returns the option-byte block (0 = bank 1, 1 = bank 2) and the
// nWRP bit that protects sector s of layout l. The sector numbering starts
// again in bank 2, which the layout shows as a 16 KB sector after a larger
// one (RM0090 3.7.1, table 17).
func WRPBit(l dfu.Layout, s dfu.Sector) (block, bit int) {
	secs := l.All()
	for i, x := range secs {
		if i > 0 && x.Size == 16<<10 && secs[i-1].Size > 16<<10 {
			block, bit = block+1, 0
		}
		if x.Address == s.Address {
			return block, bit
		}
		bit++
	}
	return -1, -1
}
