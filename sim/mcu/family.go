package mcu

import (
	"fmt"
	"math/bits"
)

// Family selects the register map the chip shows. The model's registers
// and rules are RM0090's (STM32F4); a family with other addresses or bit
// positions (STM32H7, STM32L4) shows its own registers, each translated
// to the F4 register it corresponds to, and only those: an access to an
// F4 peripheral address that is not also the family's is a bus fault, so
// firmware that uses the F4's addresses on an H7 hangs instead of
// reaching the ROM.
type Family uint8

// Families.
const (
	// FamilyF4: RM0090's map (STM32F2 and the F4 clones too), 20 backup
	// registers, system memory 0x1FFF0000 mapped at 0 before the branch.
	FamilyF4 Family = iota
	// FamilyF7: RM0410 keeps RM0090's RCC, PWR, RTC and OTG_FS
	// addresses; 32 backup registers; system memory 0x1FF00000, branched
	// to directly.
	FamilyF7
	// FamilyH7: RM0433 (H742/743/750/753): RCC 0x58024400, PWR_CR1
	// 0x58024800 (no PWR clock enable), RTC 0x58004000, IWDG1
	// 0x58004800, USB2 OTG_FS 0x40080000, no SYSCFG_MEMRMP; system
	// memory 0x1FF09800 (AN2606), branched to directly.
	FamilyH7
	// FamilyL4: RM0351 (L47x/48x/49x/4Ax): RCC 0x40021000 with the MSI
	// as the reset clock, PWR_CR1 0x40007000, RTC 0x40002800, OTG_FS
	// 0x50000000, SYSCFG_MEMRMP 0x40010000; system memory 0x1FFF0000
	// mapped at 0 before the branch.
	FamilyL4
)

// String returns "STM32F4", "STM32F7", "STM32H7" or "STM32L4".
func (f Family) String() string {
	switch f {
	case FamilyF4:
		return "STM32F4"
	case FamilyF7:
		return "STM32F7"
	case FamilyH7:
		return "STM32H7"
	case FamilyL4:
		return "STM32L4"
	}
	return fmt.Sprintf("Family(%d)", uint8(f))
}

// SystemMemory returns where the family's ROM vector table is (AN2606).
func (f Family) SystemMemory() uint32 {
	switch f {
	case FamilyF7:
		return 0x1FF00000
	case FamilyH7:
		return 0x1FF09800
	}
	return sysMemBase
}

// DirectBranch reports whether the family's firmware branches to the ROM
// without mapping system memory at 0 (STM32F7, STM32H7).
func (f Family) DirectBranch() bool { return f == FamilyF7 || f == FamilyH7 }

// backupRegisters is the number of RTC backup registers.
func (f Family) backupRegisters() int {
	if f == FamilyF4 {
		return 20
	}
	return rtcBKPMax
}

// bitPair maps a bit of the family's register to a bit of the F4's.
type bitPair struct{ phys, canon uint8 }

// xreg is one register of the family's map.
type xreg struct {
	// canon is the F4 register it stands for (0: none, the register is
	// stored as it is written, at its own address).
	canon uint32
	// reset is its reset value (bits with no F4 counterpart).
	reset uint32
	// pairs map bits both ways; outOnly adds mappings for reads only
	// (several F4 flags that one family flag reports).
	pairs, outOnly []bitPair
	// in and out, when set, replace the bit mapping (value fields such
	// as RCC_CFGR SW/SWS): in turns a write into the F4 register's new
	// value, out a F4 value (and the register's own stored bits) into
	// what a read returns.
	in  func(v, old uint32) uint32
	out func(canon, raw uint32) uint32
}

// block is a range of the family's addresses that lies at another base
// on the F4, register for register (the RTC on an H7).
type block struct{ phys, size, canon uint32 }

// famMap is a family's register map; nil for the F4's own.
type famMap struct {
	regs   map[uint32]xreg
	blocks []block
	// noPWREN: the PWR registers are always clocked (STM32H7).
	noPWREN bool
}

func mapOut(canon uint32, ps []bitPair) (v uint32) {
	for _, p := range ps {
		if canon&(1<<p.canon) != 0 {
			v |= 1 << p.phys
		}
	}
	return v
}

func mapIn(v uint32, ps []bitPair) (canon uint32) {
	for _, p := range ps {
		if v&(1<<p.phys) != 0 {
			canon |= 1 << p.canon
		}
	}
	return canon
}

func masks(ps []bitPair) (phys, canon uint32) {
	for _, p := range ps {
		phys |= 1 << p.phys
		canon |= 1 << p.canon
	}
	return phys, canon
}

// inValue is the F4 register's value after the family's write v.
func (x xreg) inValue(v, old uint32) uint32 {
	if x.in != nil {
		return x.in(v, old)
	}
	_, cm := masks(x.pairs)
	return old&^cm | mapIn(v, x.pairs)
}

// outValue is what a read of the family's register returns.
func (x xreg) outValue(canon, raw uint32) uint32 {
	if x.out != nil {
		return x.out(canon, raw)
	}
	pm, _ := masks(x.pairs)
	om, _ := masks(x.outOnly)
	return raw&^(pm|om) | mapOut(canon, x.pairs) | mapOut(canon, x.outOnly)
}

// same maps the listed bits to themselves.
func same(bs ...uint8) []bitPair {
	ps := make([]bitPair, len(bs))
	for i, b := range bs {
		ps[i] = bitPair{b, b}
	}
	return ps
}

// swField converts RCC_CFGR SW/SWS values: toF4[v] is the F4 value of the
// family's value v (3, an F4 value SW never takes here, for a clock the
// model lacks: the switch does not happen).
func swField(swMask, swsShift uint32, toF4 []uint32) xreg {
	fromF4 := map[uint32]uint32{}
	for v, c := range toF4 {
		if _, ok := fromF4[c]; !ok && c != 3 {
			fromF4[c] = uint32(v)
		}
	}
	return xreg{
		canon: rccCFGR,
		in: func(v, old uint32) uint32 {
			sw := v & swMask
			if int(sw) >= len(toF4) {
				return 3
			}
			return toF4[sw]
		},
		out: func(canon, raw uint32) uint32 {
			sw, sws := fromF4[canon&cfgrSWMask], fromF4[(canon&cfgrSWSMask)>>2]
			return sw | sws<<swsShift
		},
	}
}

// anyIE maps a clock-interrupt enable register to the F4's RCC_CIR IE
// bits: each enabled family bit sets an F4 IE bit, so "some clock-ready
// interrupt is enabled" is kept; the register reads back as written.
func anyIE() xreg {
	return xreg{
		canon: rccCIR,
		in: func(v, old uint32) uint32 {
			ie := uint32(0)
			for b := v; b != 0; b &= b - 1 {
				ie |= 1 << (8 + uint32(bits.TrailingZeros32(b))%6)
			}
			return old&^cirIEMask | ie
		},
		out: func(_, raw uint32) uint32 { return raw },
	}
}

// plain is a register with no F4 counterpart, stored as written.
func plain(reset uint32) xreg { return xreg{reset: reset} }

// h7Map is RM0433's map of the registers the model has.
func h7Map() *famMap {
	const rcc = 0x58024400
	return &famMap{noPWREN: true, regs: map[uint32]xreg{
		// RCC_CR: HSION 0, HSIRDY 2, HSEON 16, HSERDY 17, HSEBYP 18,
		// HSECSSON 19, PLL1ON 24, PLL1RDY 25, PLL2ON 26, PLL3ON 28; reset
		// 0x00000025 (HSIDIVF, bit 5, reads 1).
		rcc + 0x00: {canon: rccCR, reset: 1 << 5,
			pairs: []bitPair{{0, 0}, {2, 1}, {16, 16}, {17, 17}, {18, 18}, {19, 19}, {24, 24}, {25, 25}, {26, 26}, {28, 28}}},
		// RCC_CFGR: SW 2:0 / SWS 5:3: 0 HSI, 1 CSI, 2 HSE, 3 PLL1.
		rcc + 0x10: swField(7, 3, []uint32{swHSI, 3, swHSE, swPLL}),
		rcc + 0x28: pllSource(0x02020200, 3, 2),                                                                 // RCC_PLLCKSELR: PLLSRC 1:0, 2 = HSE
		rcc + 0x2C: plain(0x01FF0000),                                                                           // RCC_PLLCFGR
		rcc + 0x60: anyIE(),                                                                                     // RCC_CIER
		rcc + 0x68: {in: func(_, old uint32) uint32 { return old }, out: func(_, _ uint32) uint32 { return 0 }}, // RCC_CICR, write 1 to clear
		rcc + 0x70: {canon: rccBDCR, pairs: same(0, 1, 2, 8, 9, 15, 16)},
		rcc + 0x80: {canon: rccAHB2RSTR, pairs: []bitPair{{27, 7}}},                // AHB1RSTR USB2OTGFSRST
		rcc + 0xD4: plain(0),                                                       // AHB3ENR
		rcc + 0xD8: {canon: rccAHB2ENR, pairs: []bitPair{{27, 7}}},                 // AHB1ENR USB2OTGFSEN
		rcc + 0xDC: plain(0),                                                       // AHB2ENR
		rcc + 0xE0: plain(0),                                                       // AHB4ENR
		rcc + 0xE4: plain(0),                                                       // APB3ENR
		rcc + 0xE8: plain(0),                                                       // APB1LENR
		rcc + 0xEC: plain(0),                                                       // APB1HENR
		rcc + 0xF0: plain(0),                                                       // APB2ENR
		rcc + 0xF4: {canon: rccAPB2ENR, reset: 1 << 16, pairs: []bitPair{{1, 14}}}, // APB4ENR SYSCFGEN; RTCAPBEN set
		rcc + 0xD0: h7RSR(),
		0x58024800: {canon: pwrCR, reset: 0xF000C000, pairs: same(8)}, // PWR_CR1 DBP
	}, blocks: []block{
		{phys: 0x58004000, size: rtcBKP0R - rtcTR + 4*rtcBKPMax, canon: rtcTR}, // RTC
		{phys: 0x58004800, size: 0x10, canon: iwdgKR},                          // IWDG1
		{phys: 0x40080000, size: 0x1000, canon: otgBase},                       // USB2 OTG_FS
	}}
}

// h7RSR is RCC_RSR: RMVF 16, CPURSTF 17, D1RSTF 19, D2RSTF 20, BORRSTF 21,
// PINRSTF 22, PORRSTF 23, SFTRSTF 24, IWDG1RSTF 26, WWDG1RSTF 28,
// LPWRRSTF 30. A power-on also sets D1RSTF and D2RSTF (RM0433 table
// "reset source identification"; UNVERIFIED in detail, as is CPURSTF,
// which the model never sets).
func h7RSR() xreg {
	flags := []bitPair{{21, 25}, {22, 26}, {23, 27}, {24, 28}, {26, 29}, {28, 30}, {30, 31}}
	return xreg{canon: rccCSR,
		in: func(v, old uint32) uint32 {
			if v&(1<<16) != 0 {
				return csrRMVF
			}
			return 0
		},
		out: func(canon, _ uint32) uint32 {
			v := mapOut(canon, flags)
			if canon&csrPORRSTF != 0 {
				v |= 1<<19 | 1<<20
			}
			return v
		}}
}

// pllSource keeps a PLL source register as written and tells the F4's
// PLLCFGR whether the PLL runs from the HSE (PLLSRC == hse).
func pllSource(reset, mask, hse uint32) xreg {
	return xreg{canon: rccPLLCFGR, reset: reset,
		in: func(v, old uint32) uint32 {
			if v&mask == hse {
				return old | pllcfgrSrcHSE
			}
			return old &^ pllcfgrSrcHSE
		},
		out: func(_, raw uint32) uint32 { return raw }}
}

// l4Map is RM0351's map of the registers the model has. The MSI, the L4's
// reset clock, stands where the F4's HSI is (RCC_CR bits 0 and 1, SW 00).
func l4Map() *famMap {
	const rcc = 0x40021000
	return &famMap{regs: map[uint32]xreg{
		// RCC_CR: MSION 0, MSIRDY 1, HSEON 16, HSERDY 17, HSEBYP 18,
		// CSSON 19, PLLON 24, PLLRDY 25, PLLSAI1ON 26, PLLSAI2ON 28; reset
		// 0x00000063 (MSIRANGE 6 = 4 MHz).
		rcc + 0x00: {canon: rccCR, reset: 0x60, pairs: same(0, 1, 16, 17, 18, 19, 24, 25, 26, 28)},
		// RCC_CFGR: SW 1:0 / SWS 3:2: 0 MSI, 1 HSI16, 2 HSE, 3 PLL.
		rcc + 0x08: swField(3, 2, []uint32{swHSI, 3, swHSE, swPLL}),
		rcc + 0x0C: pllSource(0x00001000, 3, 3),                                                                 // RCC_PLLCFGR: PLLSRC 1:0, 3 = HSE
		rcc + 0x10: plain(0x00001000),                                                                           // PLLSAI1CFGR
		rcc + 0x14: plain(0x00001000),                                                                           // PLLSAI2CFGR
		rcc + 0x18: anyIE(),                                                                                     // RCC_CIER
		rcc + 0x20: {in: func(_, old uint32) uint32 { return old }, out: func(_, _ uint32) uint32 { return 0 }}, // RCC_CICR
		rcc + 0x2C: {canon: rccAHB2RSTR, pairs: []bitPair{{12, 7}}},                                             // AHB2RSTR OTGFSRST
		rcc + 0x48: plain(1 << 8),                                                                               // AHB1ENR (FLASHEN)
		rcc + 0x4C: {canon: rccAHB2ENR, pairs: []bitPair{{12, 7}}},                                              // AHB2ENR OTGFSEN
		rcc + 0x50: plain(0),                                                                                    // AHB3ENR
		rcc + 0x58: {canon: rccAPB1ENR, pairs: same(28)},                                                        // APB1ENR1 PWREN
		rcc + 0x5C: plain(0),                                                                                    // APB1ENR2
		rcc + 0x60: {canon: rccAPB2ENR, pairs: []bitPair{{0, 14}}},                                              // APB2ENR SYSCFGEN
		rcc + 0x90: {canon: rccBDCR, pairs: same(0, 1, 2, 8, 9, 15, 16)},
		// RCC_CSR: LSION 0, LSIRDY 1, MSISRANGE 11:8 (reset 6), RMVF 23,
		// PINRSTF 26, BORRSTF 27 (a power-on sets it), SFTRSTF 28,
		// IWDGRSTF 29, WWDGRSTF 30, LPWRRSTF 31.
		rcc + 0x94: {canon: rccCSR, reset: 6 << 8,
			pairs:   []bitPair{{0, 0}, {1, 1}, {23, 24}, {26, 26}, {28, 28}, {29, 29}, {30, 30}, {31, 31}},
			outOnly: []bitPair{{27, 27}, {27, 25}}},
		0x40007000: {canon: pwrCR, reset: 0x00000200, pairs: same(8)}, // PWR_CR1 DBP; VOS range 1
		0x40010000: {canon: syscfgMEMRMP, pairs: same(0, 1, 2)},       // SYSCFG_MEMRMP MEM_MODE
	}, blocks: []block{
		{phys: rtcTR, size: rtcBKP0R - rtcTR + 4*rtcBKPMax, canon: rtcTR},
		{phys: iwdgKR, size: 0x10, canon: iwdgKR},
		{phys: otgBase, size: 0x1000, canon: otgBase},
	}}
}

func (f Family) regMap() *famMap {
	switch f {
	case FamilyH7:
		return h7Map()
	case FamilyL4:
		return l4Map()
	}
	return nil
}

// peripheral reports whether addr is in the peripheral space, where the
// family's map decides what exists.
func peripheral(addr uint32) bool { return addr >= 0x40000000 && addr < 0x60000000 }

// resolve turns a family address into the model's: the F4 register and
// its translation (x nil for a block or the F4's own map). ok is false for
// an F4 peripheral address the family does not have.
func (m *famMap) resolve(addr uint32) (canon uint32, x *xreg, ok bool) {
	if m == nil || !peripheral(addr) {
		return addr, nil, true
	}
	if r, found := m.regs[addr]; found {
		return r.canon, &r, true
	}
	for _, b := range m.blocks {
		if addr >= b.phys && addr-b.phys < b.size {
			return b.canon + (addr - b.phys), nil, true
		}
	}
	return 0, nil, false
}
