package part

import (
	"fmt"
	"strings"
)

// Banks returns the number of flash banks of the chip.
func (c *Chip) Banks() int {
	if len(c.Flash) == 0 {
		return 0
	}
	return c.Flash[len(c.Flash)-1].Bank + 1
}

// unitIndex returns the position of the unit at addr in c.Flash, or -1.
func (c *Chip) unitIndex(addr uint32) int {
	for i, u := range c.Flash {
		if addr >= u.Address && uint64(addr) < u.End() {
			return i
		}
	}
	return -1
}

// WRPBit returns the option-byte block (0 = bank 1) and the nWRP bit that
// protect the unit at addr, or -1, -1 for an address outside flash or a
// family without nWRP bits.
//
// STM32F2/F4: one block per bank, bit i for sector i of the bank (RM0090
// 3.7.1, table 17). STM32F7: one block; bit i protects sector i in
// single-bank mode and, on an STM32F76x/77x in dual-bank mode (nDBANK =
// 0), sectors 2i and 2i+1 counted over both banks (RM0410 3.4; ST's
// stm32f7xx_hal_flash_ex.h: OB_WRP_DB_SECTOR_0 and _1 are the same bit).
// For the 1 MB dual-bank parts the same pairing is assumed (UNVERIFIED).
func (c *Chip) WRPBit(addr uint32) (block, bit int) {
	i := c.unitIndex(addr)
	if i < 0 {
		return -1, -1
	}
	u := c.Flash[i]
	switch c.Family.Options.Layout {
	case OptionsF4:
		return u.Bank, u.Index
	case OptionsF7:
		if c.Banks() > 1 {
			return 0, i / 2
		}
		return 0, i
	}
	return -1, -1
}

// HasBankOptions reports whether the chip's STM32F7 option bytes have
// nDBANK and nDBOOT (STM32F76x/77x; reserved bits on F72x-F75x). A chip
// entry that holds both kinds of part (a 1 MB layout of F746 and F767)
// reports true.
func (c *Chip) HasBankOptions() bool {
	if c.Family.Options.Layout != OptionsF7 {
		return false
	}
	for _, v := range c.Variants {
		if strings.HasPrefix(v.Name, "STM32F76") || strings.HasPrefix(v.Name, "STM32F77") {
			return true
		}
	}
	return false
}

// Protection is what a chip's option bytes say about its protection.
type Protection struct {
	// RDP is the read-protection byte and Level its level; HasRDP is
	// false when the blocks are too short to hold it.
	RDP    byte
	Level  int
	HasRDP bool
	// Protected are the write-protected erase units, in address order.
	Protected []Unit
	// Unknown, when not empty, says which write protection softdfu cannot
	// read from the blocks ("unknown layout", a bank outside them).
	Unknown string
}

// Protection decodes the read protection and the write-protected units
// from the option-byte blocks the ROM shows (blocks[0] first, as
// OptionBlocks lists them).
func (c *Chip) Protection(blocks [][]byte) Protection {
	o := c.Family.Options
	var p Protection
	if len(blocks) > 0 && int(o.RDP.Offset) < len(blocks[0]) {
		p.RDP = blocks[0][o.RDP.Offset]
		p.Level, p.HasRDP = o.RDP.Level(p.RDP), true
	}
	switch o.Layout {
	case OptionsF4, OptionsF7:
		for _, u := range c.Flash {
			blk, bit := c.WRPBit(u.Address)
			if blk >= 0 && blk < len(blocks) && len(blocks[blk]) >= 10 && le16(blocks[blk][8:])&(1<<bit) == 0 {
				p.Protected = append(p.Protected, u)
			}
		}
	case OptionsPageWRP:
		p.Protected, p.Unknown = c.pageProtection(blocks)
	case OptionsH7:
		for _, u := range c.Flash {
			if u.Bank == 0 && len(blocks) > 0 && len(blocks[0]) > h7WPSN && u.Index < 8 && blocks[0][h7WPSN]&(1<<u.Index) == 0 {
				p.Protected = append(p.Protected, u)
			}
		}
		if c.Banks() > 1 {
			p.Unknown = "bank 2's write protection (FLASH_WPSN_CUR2R) is not among the registers the ROM shows"
		}
	default:
		p.Unknown = fmt.Sprintf("%s's write protection is not decoded (unknown layout)", c.Family.Name)
	}
	return p
}

// h7WPSN is the offset of FLASH_WPSN_CUR1R (0x52002038) from
// FLASH_OPTSR_CUR (0x5200201C), where the H7 ROM's option area starts
// (RM0433 4.9, register map). That the ROM shows the registers in their
// address order is UNVERIFIED.
const h7WPSN = 0x1C

// Offsets of WRPxAR and WRPxBR in a page family's option block: L4 and
// G4 0x1FFF7818/0x1FFF7820 and bank 2 0x1FFFF818/0x1FFFF820, WB
// 0x1FFF8018/0x1FFF8020 (Black Magic Debug stm32l4.c option tables, after
// RM0351, RM0440 and RM0434); G0 0x1FFF7818/0x1FFF7820 (edbg
// target_st_stm32g0.c).
var pageWRPAreas = [2]int{0x18, 0x20}

// pageProtection returns the pages inside the WRPxA and WRPxB ranges of
// each bank's block.
func (c *Chip) pageProtection(blocks [][]byte) ([]Unit, string) {
	var out []Unit
	unknown := ""
	for _, u := range c.Flash {
		if u.Bank >= len(blocks) {
			unknown = fmt.Sprintf("bank %d's write protection is not in the option block the ROM shows (UNVERIFIED where %s keeps it)", u.Bank+1, c.Family.Name)
			continue
		}
		blk := blocks[u.Bank]
		for _, off := range pageWRPAreas {
			if len(blk) < off+3 {
				continue
			}
			start, end := int(blk[off]), int(blk[off+2])
			if start <= end && u.Index >= start && u.Index <= end {
				out = append(out, u)
				break
			}
		}
	}
	return out, unknown
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }
