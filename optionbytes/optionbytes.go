// Package optionbytes decodes and encodes the option bytes softdfu can
// change, as the ROM bootloader shows them on its "Option Bytes" alternate
// setting.
//
// STM32F2/F4 (layout F4): one 16-byte block at 0x1FFFC000 (and, on
// STM32F42x/43x, a second block for bank 2 at 0x1FFEC000). Layout from
// RM0090 Rev 21, section 3.7.1, tables 15-17: in the double word at
// 0x1FFFC000, bits 15:8 are RDP and bits 7:0 the USER byte (bit 7
// nRST_STDBY, bit 6 nRST_STOP, bit 5 WDG_SW, bit 4 BFB2 on F42x/43x, bits
// 3:2 BOR_LEV, bits 1:0 unused); in the double word at 0x1FFFC008, bits
// 11:0 are nWRP for sectors 0-11, bit 15 SPRMOD and bit 14 DB1M on
// F42x/43x. RM0090 calls bits 63:16 of each double word reserved.
//
// STM32F7 (layout F7): one 32-byte block at 0x1FFF0000, four double words
// (RM0431 section 3.4 for F72x/73x, RM0410 section 3.4 for F76x/77x): in
// each, bits 15:0 hold the option value and bits 31:16 its complement; the
// upper 32 bits are reserved. Word 0 is USER (bits 7:0: bit 7 nRST_STDBY,
// 6 nRST_STOP, 5 IWDG_SW, 4 WWDG_SW, 3:2 BOR_LEV, 1:0 reserved) and RDP
// (bits 15:8); word 1 is nWRP (bits 7:0 on F72x/F74x, 11:0 on F76x/F77x),
// nDBOOT (bit 12, F76x/F77x), nDBANK (bit 13, F76x/F77x), IWDG_STDBY (bit
// 14), IWDG_STOP (bit 15); words 2 and 3 are BOOT_ADD0 and BOOT_ADD1, the
// boot addresses for BOOT0 low and high in units of 16 KB. The bit
// positions are those of FLASH_OPTCR and FLASH_OPTCR1 shifted into the
// low half (CMSIS stm32f767xx.h: nWRP 27:16, nDBOOT 28, nDBANK 29,
// IWDG_STDBY 30, IWDG_STOP 31); the value/complement pairs and the factory
// values 0x5500AAFF, 0x0000FFFF, 0xFF7F0080, 0xFFBF0040 match a
// NUCLEO-F767ZI's option memory posted on ST's community forum ("Dual bank
// mode: built-in bootloader doesn't seem to work properly", 2016, with
// nDBANK cleared: 0x2000DFFF). What the ROM returns in the reserved upper
// words, and whether it checks the complements a host sends, is
// UNVERIFIED: softdfu keeps the reserved bytes as read and always sends
// correct complements.
package optionbytes

import (
	"fmt"
	"strconv"
	"strings"
)

// Layout names how a block is laid out.
type Layout int

// Layouts of the blocks softdfu decodes and encodes.
const (
	F4 Layout = iota // STM32F2/F4 and the F4-like clones: 16 bytes
	F7               // STM32F7: 32 bytes, values with complements
)

// Size is the size of one F4 block; SizeF7 of the F7 block.
const (
	Size   = 16
	SizeF7 = 32
)

// Size returns the size of a block of the layout.
func (l Layout) Size() int {
	if l == F7 {
		return SizeF7
	}
	return Size
}

func (l Layout) String() string {
	if l == F7 {
		return "STM32F7"
	}
	return "STM32F4"
}

// RDP values (RM0090 table 16; RM0410 and RM0431 use the same).
const (
	RDPLevel0 = 0xAA
	RDPLevel2 = 0xCC // permanent: can never be undone
)

// Bank1 and Bank2 are the addresses of the STM32F4 option-byte blocks;
// F7Base that of the STM32F7 block.
const (
	Bank1  = 0x1FFFC000
	Bank2  = 0x1FFEC000
	F7Base = 0x1FFF0000
)

// USER bits of the STM32F7 (RM0410 3.4) besides those of user.go: IWDG_SW
// is bit 5 (where the F4 has WDG_SW), WWDG_SW bit 4 (the F4's BFB2).
const (
	F7IWDGSW = 1 << 5
	F7WWDGSW = 1 << 4
)

// Bits of the F7 word at 0x1FFF0008 above nWRP (RM0410 3.4; CMSIS
// stm32f767xx.h FLASH_OPTCR bits 31:28).
const (
	F7IWDGStop  = 1 << 15 // 0: the independent watchdog is frozen in Stop mode
	F7IWDGStdby = 1 << 14 // 0: frozen in Standby mode
	F7NDBANK    = 1 << 13 // F76x/F77x: 1 single bank (256 KB sectors), 0 two banks
	F7NDBOOT    = 1 << 12 // F76x/F77x: 0 dual boot (boots bank 2 when bank 1 cannot)
)

// Factory BOOT_ADDx values of the STM32F7 (RM0410 3.4, RM0431 3.4; the
// forum dump above): BOOT_ADD0 0x0080 (flash on the ITCM bus, 0x00200000),
// BOOT_ADD1 0x0040 (system memory, 0x00100000: the ROM bootloader).
const (
	F7BootFlashITCM = 0x0080
	F7BootFlashAXIM = 0x2000
	F7BootSystem    = 0x0040
)

// Block is one decoded option-byte block.
type Block struct {
	Layout Layout
	// Raw is the block as read (and, after Encode, as written).
	Raw  []byte
	RDP  byte
	User byte
	// NWRP is the 16-bit word at offset 8. F4: nWRP bits 11:0 (a clear
	// bit write-protects a sector), SPRMOD and DB1M on F42x/43x. F7: nWRP
	// bits 11:0 (7:0 on F72x/F74x), nDBOOT, nDBANK, IWDG_STDBY, IWDG_STOP.
	NWRP uint16
	// BootAdd are BOOT_ADD0 and BOOT_ADD1 (F7 only).
	BootAdd [2]uint16
}

// Decode reads an F4 block as uploaded from the ROM.
func Decode(b []byte) (Block, error) { return DecodeAs(F4, b) }

// DecodeAs reads a block of layout l as uploaded from the ROM.
func DecodeAs(l Layout, b []byte) (Block, error) {
	if len(b) != l.Size() {
		return Block{}, fmt.Errorf("%s option bytes: got %d bytes, want %d", l, len(b), l.Size())
	}
	x := Block{Layout: l, Raw: append([]byte(nil), b...)}
	x.User, x.RDP = b[0], b[1]
	x.NWRP = le16(b[8:])
	if l == F7 {
		x.BootAdd = [2]uint16{le16(b[16:]), le16(b[24:])}
	}
	return x, nil
}

// f7Words are the offsets of the F7 block's four value/complement words.
var f7Words = [4]int{0, 8, 16, 24}

// ComplementsOK reports whether every F7 value has its complement next to
// it (always true for F4). A pair that does not match makes the chip load
// a safe default instead (RM0410 3.4: UNVERIFIED which).
func (x Block) ComplementsOK() bool {
	if x.Layout != F7 {
		return true
	}
	for _, o := range f7Words {
		if le16(x.Raw[o:])^le16(x.Raw[o+2:]) != 0xFFFF {
			return false
		}
	}
	return true
}

// Encode returns the raw block with the fields applied; on F7 each value
// with its complement. Raw is not changed.
func (x Block) Encode() []byte {
	b := append([]byte(nil), x.Raw...)
	if len(b) != x.Layout.Size() {
		b = append(b, make([]byte, x.Layout.Size())...)[:x.Layout.Size()]
	}
	b[0], b[1] = x.User, x.RDP
	put16(b[8:], x.NWRP)
	if x.Layout == F7 {
		put16(b[16:], x.BootAdd[0])
		put16(b[24:], x.BootAdd[1])
		for _, o := range f7Words {
			put16(b[o+2:], ^le16(b[o:]))
		}
	}
	return b
}

// Level returns the read-protection level: 0, 1 or 2.
func (x Block) Level() int {
	switch x.RDP {
	case RDPLevel0:
		return 0
	case RDPLevel2:
		return 2
	}
	return 1
}

// BORLevel returns BOR_LEV (bits 3:2 of USER) as RM0090 and RM0410 name it.
func (x Block) BORLevel() string {
	return [...]string{"BOR level 3", "BOR level 2", "BOR level 1", "off"}[(x.User>>2)&3]
}

// Protected returns the nWRP bits (0-11) that are clear: on F4 the
// sectors of the block's bank, on F7 see part.Chip.WRPBit.
func (x Block) Protected() []int {
	var s []int
	for i := range 12 {
		if x.NWRP&(1<<i) == 0 {
			s = append(s, i)
		}
	}
	return s
}

// BootAddress returns where BOOT_ADDx (F7) makes the chip boot.
func BootAddress(v uint16) uint32 { return uint32(v) << 14 }

// Describe prints the block's fields, one per line.
func (x Block) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RDP 0x%02x: read protection level %d", x.RDP, x.Level())
	switch x.Level() {
	case 1:
		b.WriteString(" (flash cannot be read or written over DFU; a read unprotect mass-erases and removes it)")
	case 2:
		b.WriteString(" (permanent: the ROM bootloader is disabled)")
	}
	sw := map[byte]string{0: "hardware", 1: "software"}
	if x.Layout == F7 {
		fmt.Fprintf(&b, "\nUSER 0x%02x: nRST_STDBY=%d nRST_STOP=%d IWDG_SW=%d (%s independent watchdog) WWDG_SW=%d (%s window watchdog) BOR %s\n",
			x.User, x.User>>7&1, x.User>>6&1, x.User>>5&1, sw[x.User>>5&1], x.User>>4&1, sw[x.User>>4&1], x.BORLevel())
		fmt.Fprintf(&b, "IWDG_STOP=%d IWDG_STDBY=%d nDBANK=%d nDBOOT=%d (nDBANK and nDBOOT on STM32F76x/77x only)\n",
			x.NWRP>>15&1, x.NWRP>>14&1, x.NWRP>>13&1, x.NWRP>>12&1)
		fmt.Fprintf(&b, "BOOT_ADD0 0x%04x (BOOT0 low boots 0x%08x), BOOT_ADD1 0x%04x (BOOT0 high boots 0x%08x)\n",
			x.BootAdd[0], BootAddress(x.BootAdd[0]), x.BootAdd[1], BootAddress(x.BootAdd[1]))
		if !x.ComplementsOK() {
			b.WriteString("warning: a value and its complement do not match\n")
		}
	} else {
		fmt.Fprintf(&b, "\nUSER 0x%02x: nRST_STDBY=%d nRST_STOP=%d WDG_SW=%d (%s watchdog) BOR %s\n",
			x.User, x.User>>7&1, x.User>>6&1, x.User>>5&1, sw[x.User>>5&1], x.BORLevel())
	}
	switch p := x.Protected(); {
	case len(p) > 0 && x.Layout == F7:
		fmt.Fprintf(&b, "nWRP 0x%04x: nWRP bits %s clear (each protects a sector, two in dual-bank mode)", x.NWRP, joinInts(p))
	case len(p) > 0:
		fmt.Fprintf(&b, "nWRP 0x%04x: write-protected sectors %s", x.NWRP, joinInts(p))
	default:
		fmt.Fprintf(&b, "nWRP 0x%04x: no sector write-protected", x.NWRP)
	}
	return b.String()
}

// joinInts writes numbers as "0, 1, 5".
func joinInts(n []int) string {
	s := make([]string, len(n))
	for i, v := range n {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func put16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }
