package sim

import (
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/part"
)

// Errors of the flash controller, as the ROM would see them in FLASH_SR.
var (
	errWriteProtected = errors.New("sector is write-protected (nWRP bit clear)")
	errOutside        = errors.New("address outside the memory area")
	errOTPLocked      = errors.New("OTP block is locked")
)

// RDP levels (RM0090 table 16: 0xAA level 0, 0xCC level 2, others level 1).
const (
	RDPLevel0 = 0xAA
	RDPLevel2 = 0xCC
)

// memory is the chip's non-volatile state: main flash, option bytes, OTP
// and the device-feature words. It has the physics of flash (erase sets a
// sector to 0xFF, programming only clears bits) and knows nothing of USB.
type memory struct {
	part    *Part
	flash   []byte
	options [][]byte // one block of part.OptionSize per entry of part.OptionBlocks
	// programmed marks the flash words programmed since their erase, on
	// parts whose flash word can be programmed only once (WriteUnit > 4).
	programmed map[uint32]bool
	otp        [OTPDataSize + OTPLockSize]byte
	feature    [FeatureSize]byte
}

// defaultOptions returns factory option bytes (RM0090 tables 15-17):
// byte 0 USER (nRST_STDBY, nRST_STOP, WDG_SW set; BOR off; bits 1:0 "not
// used" read as 1) = 0xEF, byte 1 RDP = 0xAA, bytes 8-9 nWRP = 0x0FFF:
// every sector unprotected, bits 15:12 clear (SPRMOD and DB1M off on
// F42x/F43x). That is the factory FLASH_OPTCR value 0x0FFFAAED (nWRP in
// bits 27:16, RDP and USER in bits 15:0) read from real F4 chips. The
// bytes RM0090 calls reserved ([63:16] of each double word) read as 0xFF
// here: UNVERIFIED.
//
// STM32F7: the four value/complement words 0x5500AAFF, 0x0000FFFF,
// 0xFF7F0080, 0xFFBF0040 (RM0410 3.4; a NUCLEO-F767ZI's option memory on
// ST's forum), the reserved upper word of each double word 0xFF
// (UNVERIFIED).
//
// STM32L4/G0/G4/WB: FLASH_OPTR with RDP 0xAA, the WRPxAR and WRPxBR words
// 0x000000FF (start page 0xFF above end page 0: no protection; Black
// Magic Debug's option tables give these defaults) with their complements,
// every other byte 0xFF (UNVERIFIED).
//
// Other families: every byte 0xFF but the RDP byte at level 0, and on
// Artery parts its complement after it (UNVERIFIED factory values).
func defaultOptions(p *Part) []byte {
	n := p.OptionSize
	if n == 0 {
		n = OptionBlockSz
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xFF
	}
	switch p.Chip.Family.Options.Layout {
	case part.OptionsF4:
		b[0], b[1] = 0xEF, RDPLevel0
		b[8], b[9] = 0xFF, 0x0F
		return b
	case part.OptionsF7:
		copy(b[0:], []byte{0xFF, 0xAA, 0x00, 0x55})
		copy(b[8:], []byte{0xFF, 0xFF, 0x00, 0x00})
		if p.Chip.Banks() > 1 {
			// nDBANK = 0: the chip is in dual-bank mode (0x2000DFFF).
			copy(b[8:], []byte{0xFF, 0xDF, 0x00, 0x20})
		}
		copy(b[16:], []byte{0x80, 0x00, 0x7F, 0xFF})
		copy(b[24:], []byte{0x40, 0x00, 0xBF, 0xFF})
		return b
	case part.OptionsPageWRP:
		if len(b) >= 8 {
			b[4] = ^b[0] // FLASH_OPTR's complement word
			b[5], b[6], b[7] = 0, 0, 0
		}
		for _, off := range []int{0x18, 0x20} {
			if off+8 <= len(b) {
				copy(b[off:], []byte{0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF})
			}
		}
	}
	b[p.RDP.Offset] = p.RDP.Level0
	if p.RDP.Level0 == 0xA5 {
		b[p.RDP.Offset+1] = 0x5A
	}
	return b
}

func newMemory(p *Part) *memory {
	m := &memory{part: p, flash: make([]byte, p.FlashSize())}
	for i := range m.flash {
		m.flash[i] = 0xFF
	}
	for range p.OptionBlocks {
		// Bank 2's block (F42x/F43x) has no RDP or USER: RM0090 marks its
		// first double word reserved; it repeats bank 1's values here
		// (UNVERIFIED).
		m.options = append(m.options, defaultOptions(p))
	}
	for i := range m.otp {
		m.otp[i] = 0xFF
	}
	for i := range m.feature {
		m.feature[i] = 0xFF
	}
	return m
}

// rdp returns the read-protection byte.
func (m *memory) rdp() byte { return m.options[0][m.part.rdpOffset()] }

// RDPLevel returns the read-protection level 0, 1 or 2.
func (m *memory) rdpLevel() int { return m.part.rdpLevel(m.rdp()) }

// nwrp returns the 16-bit nWRP field of option block b.
func (m *memory) nwrp(b int) uint16 {
	return uint16(m.options[b][8]) | uint16(m.options[b][9])<<8
}

// writeProtected reports whether sector i is write-protected.
func (m *memory) writeProtected(i int) bool {
	s := m.part.Sectors[i]
	if m.part.WRPBits == 0 || s.Bank < 0 || s.Bank >= len(m.options) {
		return false
	}
	return m.nwrp(s.Bank)&(1<<s.Bit) == 0
}

// inFlash reports whether [addr, addr+n) lies in main flash.
func (m *memory) inFlash(addr uint32, n int) bool {
	return addr >= m.part.FlashBase && uint64(addr-m.part.FlashBase)+uint64(n) <= uint64(len(m.flash))
}

// eraseSector sets sector i to 0xFF. A write-protected sector is left as
// it is and reported (the ROM ignores that error: docs/PROTOCOL.md section 3).
func (m *memory) eraseSector(i int) error {
	if m.writeProtected(i) {
		return errWriteProtected
	}
	s := m.part.Sectors[i]
	if m.part.reserved(s.Address, uint64(s.Size)) {
		return errOutside
	}
	off := s.Address - m.part.FlashBase
	for j := range s.Size {
		m.flash[off+j] = 0xFF
	}
	for a := range m.programmed {
		if a >= s.Address && uint64(a) < uint64(s.Address)+uint64(s.Size) {
			delete(m.programmed, a)
		}
	}
	return nil
}

// massErase erases every sector. RM0090 section 3.7.4: a mass erase is
// refused when any sector is write-protected.
func (m *memory) massErase() error {
	for i := range m.part.Sectors {
		if m.writeProtected(i) {
			return errWriteProtected
		}
	}
	for i := range m.flash {
		m.flash[i] = 0xFF
	}
	m.programmed = nil
	return nil
}

// program programs data at addr in main flash: each byte becomes old AND
// new, since programming can only clear bits. Nothing is written unless
// the whole range is inside flash and unprotected.
func (m *memory) program(addr uint32, data []byte) error {
	if !m.inFlash(addr, len(data)) || m.part.reserved(addr, uint64(len(data))) {
		return errOutside
	}
	if err := m.programWords(addr, len(data)); err != nil {
		return err
	}
	for a := addr; uint64(a) < uint64(addr)+uint64(len(data)); {
		i := m.part.SectorAt(a)
		if m.writeProtected(i) {
			return fmt.Errorf("0x%08x: %w", a, errWriteProtected)
		}
		a = m.part.Sectors[i].Address + m.part.Sectors[i].Size
		if a == 0 {
			break
		}
	}
	off := addr - m.part.FlashBase
	for i, b := range data {
		m.flash[off+uint32(i)] &= b
	}
	return nil
}

// read copies main flash at addr.
func (m *memory) read(addr uint32, n int) ([]byte, error) {
	if !m.inFlash(addr, n) {
		return nil, errOutside
	}
	off := addr - m.part.FlashBase
	return append([]byte(nil), m.flash[off:off+uint32(n)]...), nil
}

// optionBlock returns the index of the option block at addr, or -1.
func (m *memory) optionBlock(addr uint32) int {
	for i, a := range m.part.OptionBlocks {
		if a == addr {
			return i
		}
	}
	return -1
}

// otpProgram programs OTP bytes (data area and lock bytes). A data byte in
// a 32-byte block whose lock byte is 0x00 cannot change (RM0090 3.8).
func (m *memory) otpProgram(off int, data []byte) error {
	if off < 0 || off+len(data) > len(m.otp) {
		return errOutside
	}
	for i := range data {
		o := off + i
		if o < OTPDataSize && m.otp[OTPDataSize+o/32] == 0x00 && data[i] != 0xFF {
			return fmt.Errorf("OTP byte %d (block %d): %w", o, o/32, errOTPLocked)
		}
	}
	for i, b := range data {
		m.otp[off+i] &= b
	}
	return nil
}

// word reads a little-endian 32-bit word of main flash; ok is false outside.
func (m *memory) word(addr uint32) (uint32, bool) {
	b, err := m.read(addr, 4)
	if err != nil {
		return 0, false
	}
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24, true
}

// errReprogram: a flash word programmed twice since its erase (RM0433
// 4.3.9: the ECC of a 256-bit flash word is written once).
var errReprogram = errors.New("flash word already programmed since its erase")

// programWords checks and marks the flash words of [addr, addr+n) on parts
// with a flash word larger than 4 bytes.
func (m *memory) programWords(addr uint32, n int) error {
	w := uint32(m.part.WriteUnit)
	if w <= 4 || n == 0 {
		return nil
	}
	first, last := addr&^(w-1), (addr+uint32(n)-1)&^(w-1)
	for a := first; a <= last; a += w {
		if m.programmed[a] {
			return fmt.Errorf("0x%08x: %w", a, errReprogram)
		}
	}
	if m.programmed == nil {
		m.programmed = map[uint32]bool{}
	}
	for a := first; a <= last; a += w {
		m.programmed[a] = true
	}
	return nil
}

// rdpOffset returns where the RDP byte sits in option block 0.
func (p *Part) rdpOffset() int {
	if p.RDP.Level0 == 0 {
		return 1
	}
	return int(p.RDP.Offset)
}

// rdpLevel returns the protection level of an RDP byte (RM0090 table 16
// on STM32F4: 0xAA level 0, 0xCC level 2, others level 1; the family's
// values elsewhere).
func (p *Part) rdpLevel(rdp byte) int {
	l0, l2 := byte(RDPLevel0), byte(RDPLevel2)
	if p.RDP.Level0 != 0 {
		l0, l2 = p.RDP.Level0, p.RDP.Level2
	}
	switch {
	case rdp == l0:
		return 0
	case l2 != 0 && rdp == l2:
		return 2
	}
	return 1
}

// reserved reports whether any of n bytes from addr lie in a range the
// ROM refuses.
func (p *Part) reserved(addr uint32, n uint64) bool {
	for _, r := range p.Reserved {
		if uint64(addr) < r.End() && uint64(r.Start) < uint64(addr)+n {
			return true
		}
	}
	return false
}
