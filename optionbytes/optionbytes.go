// Package optionbytes decodes and encodes the STM32F4 user option bytes as
// the ROM bootloader shows them on its "Option Bytes" alternate setting: one
// 16-byte block at 0x1FFFC000 (and, on STM32F42x/43x, a second block for bank
// 2 at 0x1FFEC000).
//
// Layout from RM0090 Rev 21, section 3.7.1, tables 15-17: in the double word
// at 0x1FFFC000, bits 15:8 are RDP and bits 7:0 the USER byte (bit 7
// nRST_STDBY, bit 6 nRST_STOP, bit 5 WDG_SW, bit 4 BFB2 on F42x/43x, bits 3:2
// BOR_LEV, bits 1:0 unused); in the double word at 0x1FFFC008, bits 11:0 are
// nWRP for sectors 0-11, bit 15 SPRMOD and bit 14 DB1M on F42x/43x. RM0090
// calls bits 63:16 of each double word reserved.
package optionbytes

import (
	"fmt"
	"strconv"
	"strings"
)

// Size is the size of one option-byte block.
const Size = 16

// RDP values (RM0090 table 16).
const (
	RDPLevel0 = 0xAA
	RDPLevel2 = 0xCC // permanent: can never be undone
)

// Bank1 and Bank2 are the addresses of the option-byte blocks.
const (
	Bank1 = 0x1FFFC000
	Bank2 = 0x1FFEC000
)

// Block is one decoded option-byte block.
type Block struct {
	Raw  [Size]byte
	RDP  byte
	User byte
	// NWRP is the 16-bit word at offset 8: nWRP bits 11:0 (a clear bit
	// write-protects a sector), SPRMOD and DB1M on F42x/43x.
	NWRP uint16
}

// Decode reads a block as uploaded from the ROM.
func Decode(b []byte) (Block, error) {
	if len(b) != Size {
		return Block{}, fmt.Errorf("option bytes: got %d bytes, want %d", len(b), Size)
	}
	var x Block
	copy(x.Raw[:], b)
	x.User, x.RDP = b[0], b[1]
	x.NWRP = uint16(b[8]) | uint16(b[9])<<8
	return x, nil
}

// Encode returns the raw block with RDP, User and NWRP applied.
func (x Block) Encode() []byte {
	b := x.Raw
	b[0], b[1] = x.User, x.RDP
	b[8], b[9] = byte(x.NWRP), byte(x.NWRP>>8)
	return b[:]
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

// BORLevel returns BOR_LEV (bits 3:2 of USER) as RM0090 names it.
func (x Block) BORLevel() string {
	return [...]string{"BOR level 3", "BOR level 2", "BOR level 1", "off"}[(x.User>>2)&3]
}

// Protected returns the sectors (0-11 within the block's bank) that are
// write-protected.
func (x Block) Protected() []int {
	var s []int
	for i := range 12 {
		if x.NWRP&(1<<i) == 0 {
			s = append(s, i)
		}
	}
	return s
}

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
	fmt.Fprintf(&b, "\nUSER 0x%02x: nRST_STDBY=%d nRST_STOP=%d WDG_SW=%d (%s watchdog) BOR %s\n",
		x.User, x.User>>7&1, x.User>>6&1, x.User>>5&1, map[byte]string{0: "hardware", 1: "software"}[x.User>>5&1], x.BORLevel())
	if p := x.Protected(); len(p) > 0 {
		fmt.Fprintf(&b, "nWRP 0x%04x: write-protected sectors %s", x.NWRP, joinInts(p))
	} else {
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
