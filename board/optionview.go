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
	Block   optionbytes.Block
	// Decoded is set when the chip's option bytes are laid out like an
	// STM32F4's (part.Options.F4Codec): USER and nWRP are decoded, and
	// Protected lists what nWRP protects. Otherwise only RDP is known.
	Decoded bool
	// HasRDP is set on the block that holds the RDP byte (the first; RM0090
	// table 17 calls those bytes of the bank-2 block unused); RDP and
	// Level are its value and read-protection level.
	HasRDP bool
	RDP    byte
	Level  int
	// Protected are the sectors among the caller's (numbered as in the
	// flash layout) whose write protection this block's nWRP bits set.
	Protected []int
}

// View returns what chip lets be decoded of each block, with the
// protected sectors among secs (of the chip's internal flash).
func (o *OptionBytes) View(chip *part.Chip, secs []dfu.Sector) []BlockView {
	if o == nil {
		return nil
	}
	fo := chip.Family.Options
	var out []BlockView
	for i, x := range o.Blocks {
		v := BlockView{Address: o.Addrs[i], Block: x, Decoded: fo.F4Codec, HasRDP: i == 0}
		switch {
		case fo.F4Codec:
			v.RDP, v.Level, v.Protected = x.RDP, x.Level(), []int{}
			for _, s := range secs {
				if bank, bit := chip.WRPBit(s.Address); bank == i && x.NWRP&(1<<bit) == 0 {
					v.Protected = append(v.Protected, s.Index)
				}
			}
		case i == 0 && int(fo.RDP.Offset) < len(x.Raw):
			v.RDP = x.Raw[fo.RDP.Offset]
			v.Level = fo.RDP.Level(v.RDP)
		default:
			v.HasRDP = false
		}
		out = append(out, v)
	}
	return out
}
