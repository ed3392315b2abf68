package board

import (
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// BlockView is what the chip database lets a front end show of one
// option-byte block.
type BlockView struct {
	Address uint32
	// Raw is the block as read; Block its decoding when Decoded.
	Raw   []byte
	Block optionbytes.Block
	// Decoded is set when softdfu knows the whole block (STM32F2/F4/F7
	// layouts, part.Options.Changeable): USER and nWRP are decoded.
	Decoded bool
	// HasRDP is set on the block that holds the RDP byte (the first; RM0090
	// table 17 calls those bytes of the bank-2 block unused); RDP and
	// Level are its value and read-protection level.
	HasRDP bool
	RDP    byte
	Level  int
	// Protected are the sectors or pages among the caller's (numbered as
	// in the flash layout) whose write protection this block sets, where
	// the family's layout is known (part.Chip.Protection); nil where it
	// is not.
	Protected []int
}

// View returns what chip lets be decoded of each block, with the
// protected sectors among secs (of the chip's internal flash).
func (o *OptionBytes) View(chip *part.Chip, secs []dfu.Sector) []BlockView {
	if o == nil {
		return nil
	}
	prot := chip.Protection(o.Raw)
	known := chip.Family.Options.Layout != part.OptionsRDPOnly
	var out []BlockView
	for i, raw := range o.Raw {
		v := BlockView{Address: o.Addrs[i], Raw: raw, HasRDP: i == 0 && prot.HasRDP}
		if i < len(o.Blocks) {
			v.Block, v.Decoded = o.Blocks[i], true
		}
		if v.HasRDP {
			v.RDP, v.Level = prot.RDP, prot.Level
		}
		if known {
			v.Protected = []int{}
			for _, u := range prot.Protected {
				if blk := protectingBlock(chip, u); blk != i {
					continue
				}
				for _, s := range secs {
					if s.Address == u.Address {
						v.Protected = append(v.Protected, s.Index)
					}
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// protectingBlock returns the option block whose bits protect unit u: the
// nWRP block on F2/F4/F7, the bank's block on the page families, the first
// on H7.
func protectingBlock(chip *part.Chip, u part.Unit) int {
	switch chip.Family.Options.Layout {
	case part.OptionsF4, part.OptionsF7:
		blk, _ := chip.WRPBit(u.Address)
		return blk
	case part.OptionsPageWRP:
		return u.Bank
	}
	return 0
}
