package stm32f4

import "fmt"

// Family is the register map of one STM32 family: where the registers the
// entry sequence and the request store touch are, and how the family's ROM
// bootloader is entered. STM32F4 is the reference; the other families are
// described by how they differ. Pass one in Config.Family.
type Family struct {
	// Name is the family's name as the chip database spells it
	// (part.Family.Name), e.g. "STM32H7".
	Name string
	// SystemMemory is the ROM bootloader's vector table (initial MSP,
	// then reset handler), part.Family.Entry.SystemMemory.
	SystemMemory uint32
	// Remap is true where the firmware maps system flash at 0x00000000
	// (SYSCFG_MEMRMP) before the branch (part.Family.Entry.Remap).
	Remap bool

	r regMap
}

// regMap holds the family's addresses and bits. A zero address means the
// family has no such register (STM32H7 has no PWR clock enable and no
// SYSCFG_MEMRMP).
type regMap struct {
	// RCC_CR: the reset oscillator (HSI; MSI on STM32L4, at HSI's bits)
	// on and its ready flag; HSE, its bypass and CSS, and every PLL.
	cr, crOscOn, crOscRdy, crHSEOn, crHSEByp, crCSS, crPLLs uint32
	// RCC_CFGR: SW and SWS (value 0 = the reset oscillator).
	cfgr, cfgrSW, cfgrSWS uint32
	// PLL configuration registers and their reset values.
	pllRegs []regValue
	// clockIRQOff are the writes that disable the clock-ready interrupts
	// and clear their flags.
	clockIRQOff []regValue
	// USB OTG_FS (the DFU port): peripheral reset and clock enable.
	otgRSTR, otgENR, otgBit uint32
	// enrReset are the peripheral clock enable registers with their
	// reset values.
	enrReset []regValue
	// PWR clock enable (0: always clocked) and the register with DBP.
	pwrENR, pwrENBit, pwrCR, pwrDBP uint32
	// RCC_BDCR (RTCEN bit 15 on every family here).
	bdcr uint32
	// Reset flags: the register, RMVF, SFTRSTF, the power-on/brown-out
	// flags and the mask of all flags.
	rsr, rsrRMVF, rsrSFT, rsrPOR, rsrFlags uint32
	// RTC base (registers at RM0090's offsets) and backup register count.
	rtc  uint32
	bkpN int
	// SYSCFG_MEMRMP (0 when the family has none) and its MEM_MODE
	// field; MEM_MODE = 1 maps system flash at 0.
	syscfgR, memModeMask uint32
	// SYSCFG clock enable: register and bit.
	syscfgENR, syscfgENBit uint32
	// RAM a RAMWord store may use.
	ram []ramRange
}

type regValue struct{ addr, v uint32 }

type ramRange struct{ start, end uint32 }

func (r ramRange) String() string { return fmt.Sprintf("0x%08X-0x%08X", r.start, r.end-1) }

// The families. F2 and F7 share the F4's RCC, PWR, RTC and OTG_FS
// addresses (RM0033, RM0410); H7 and L4 have their own (RM0433, RM0351).
var (
	// F4 is the reference: RM0090 (STM32F405/407/415/417/427/429/437/
	// 439), system memory 0x1FFF0000 mapped at 0 before the branch
	// (AN2606).
	F4 = &Family{Name: "STM32F4", SystemMemory: 0x1FFF0000, Remap: true, r: f4Regs(20)}
	// F2: RM0033 keeps RM0090's map; system memory 0x1FFF0000 (AN2606).
	F2 = &Family{Name: "STM32F2", SystemMemory: 0x1FFF0000, Remap: true, r: f4Regs(20)}
	// F7: RM0410 keeps RM0090's RCC/PWR/RTC/OTG_FS addresses and has 32
	// backup registers; the ROM is at 0x1FF00000 and is branched to
	// directly (AN2606; MicroPython's stm32 port remaps only on
	// F0/F4/L0/L4/WB).
	F7 = &Family{Name: "STM32F7", SystemMemory: 0x1FF00000, r: f7Regs()}
	// H7: RM0433 (STM32H742/743/750/753): RCC at 0x58024400, PWR_CR1 at
	// 0x58024800 (no PWR clock enable), RTC at 0x58004000 with 32
	// backup registers, USB OTG_FS is USB2 at 0x40080000; no
	// SYSCFG_MEMRMP. The ROM's vector table is at 0x1FF09800 on
	// H74x/H75x (AN2606; ST's "jump to bootloader on STM32H7" FAQ),
	// branched to directly.
	H7 = &Family{Name: "STM32H7", SystemMemory: 0x1FF09800, r: h7Regs()}
	// L4: RM0351 (STM32L47x/48x/49x/4Ax): RCC at 0x40021000, PWR_CR1 at
	// 0x40007000, RTC at 0x40002800 with 32 backup registers, OTG_FS at
	// 0x50000000, SYSCFG_MEMRMP at 0x40010000. The reset clock is the MSI
	// (RCC_CR bits 0/1, SW=00). System memory 0x1FFF0000, mapped at 0
	// first (AN2606; MicroPython remaps on L4).
	L4 = &Family{Name: "STM32L4", SystemMemory: 0x1FFF0000, Remap: true, r: l4Regs()}
)

// Families lists the families this package serves, F4 first.
var Families = []*Family{F4, F2, F7, H7, L4}

// FamilyNamed returns the family with that name (part.Family.Name, e.g.
// "STM32H7"), or false.
func FamilyNamed(name string) (*Family, bool) {
	for _, f := range Families {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// familyNames lists the names, for error messages.
func familyNames() string {
	s := ""
	for i, f := range Families {
		if i > 0 {
			s += ", "
		}
		s += f.Name
	}
	return s
}

// BackupRegisters returns how many RTC backup registers the family has.
func (f *Family) BackupRegisters() int { return f.r.bkpN }

// String returns the family's name.
func (f *Family) String() string { return f.Name }

// f4Regs is RM0090's map with n backup registers.
func f4Regs(n int) regMap {
	return regMap{
		cr: rccCR, crOscOn: crHSION, crOscRdy: crHSIRDY, crHSEOn: crHSEON, crHSEByp: crHSEBYP, crCSS: crCSSON,
		crPLLs: crPLLON | crPLLI2S,
		cfgr:   rccCFGR, cfgrSW: cfgrSWMask, cfgrSWS: cfgrSWSMask,
		pllRegs: []regValue{{rccPLLCFGR, pllcfgrReset}},
		// IE bits 0; write-1 clears LSIRDYC..PLLI2SRDYC and CSSC.
		clockIRQOff: []regValue{{rccCIR, 0x00BF0000}},
		otgRSTR:     rccAHB2RSTR, otgENR: rccAHB2ENR, otgBit: ahb2OTGFS,
		enrReset: []regValue{{rccAHB1ENR, ahb1enrReset}, {rccAHB2ENR, 0}, {rccAPB1ENR, 0}, {rccAPB2ENR, 0}},
		pwrENR:   rccAPB1ENR, pwrENBit: apb1PWREN, pwrCR: pwrCR, pwrDBP: pwrCRDBP,
		bdcr: rccBDCR,
		rsr:  rccCSR, rsrRMVF: csrRMVF, rsrSFT: csrSFTRSTF, rsrPOR: csrPORRSTF | csrBORRSTF, rsrFlags: csrFlags,
		rtc: rtcBase, bkpN: n,
		syscfgR: syscfgMEMRMP, memModeMask: 3, syscfgENR: rccAPB2ENR, syscfgENBit: apb2SYSCFGEN,
		ram: []ramRange{{sramBase, sramEnd}, {ccmBase, ccmEnd}},
	}
}

// f7Regs: RM0410 (F72x-F77x): RM0090's map, 32 backup registers, SRAM up
// to 512 KB (DTCM from 0x20000000), no CCM RAM.
func f7Regs() regMap {
	r := f4Regs(32)
	r.ram = []ramRange{{0x20000000, 0x20080000}}
	return r
}

// h7Regs: RM0433 sections 8.7 (RCC), 6.8 (PWR), 46.6 (RTC), 2.3 (memory
// map).
func h7Regs() regMap {
	const rcc = 0x58024400
	return regMap{
		// RCC_CR: HSION 0, HSIRDY 2, HSEON 16, HSEBYP 18, HSECSSON 19,
		// PLL1ON 24, PLL2ON 26, PLL3ON 28.
		cr: rcc + 0x00, crOscOn: 1 << 0, crOscRdy: 1 << 2, crHSEOn: 1 << 16, crHSEByp: 1 << 18, crCSS: 1 << 19,
		crPLLs: 1<<24 | 1<<26 | 1<<28,
		// RCC_CFGR: SW 2:0, SWS 5:3 (000 = HSI).
		cfgr: rcc + 0x10, cfgrSW: 7, cfgrSWS: 7 << 3,
		// RCC_PLLCKSELR, RCC_PLLCFGR reset values.
		pllRegs: []regValue{{rcc + 0x28, 0x02020200}, {rcc + 0x2C, 0x01FF0000}},
		// RCC_CIER all IE bits 0; RCC_CICR write 1 to clear LSIRDYC..
		// LSECSSC and HSECSSC (bits 0-10).
		clockIRQOff: []regValue{{rcc + 0x60, 0}, {rcc + 0x68, 0x7FF}},
		// RCC_AHB1RSTR/AHB1ENR bit 27: USB2OTGFS (the OTG_FS port on
		// PA11/PA12, AN2606's DFU pins).
		otgRSTR: rcc + 0x80, otgENR: rcc + 0xD8, otgBit: 1 << 27,
		// AHB3ENR, AHB1ENR, AHB2ENR, AHB4ENR, APB3ENR, APB1LENR,
		// APB1HENR, APB2ENR, APB4ENR (RTCAPBEN, bit 16, set at reset).
		enrReset: []regValue{{rcc + 0xD4, 0}, {rcc + 0xD8, 0}, {rcc + 0xDC, 0}, {rcc + 0xE0, 0},
			{rcc + 0xE4, 0}, {rcc + 0xE8, 0}, {rcc + 0xEC, 0}, {rcc + 0xF0, 0}, {rcc + 0xF4, 1 << 16}},
		pwrCR: 0x58024800, pwrDBP: 1 << 8, // PWR_CR1 DBP; the PWR has no clock enable
		bdcr: rcc + 0x70,
		// RCC_RSR: RMVF 16, CPURSTF 17, D1RSTF 19, D2RSTF 20, BORRSTF 21,
		// PINRSTF 22, PORRSTF 23, SFTRSTF 24, IWDG1RSTF 26, WWDG1RSTF 28,
		// LPWRRSTF 30.
		rsr: rcc + 0xD0, rsrRMVF: 1 << 16, rsrSFT: 1 << 24, rsrPOR: 1<<23 | 1<<21, rsrFlags: 0xFFFE0000,
		rtc: 0x58004000, bkpN: 32,
		// SYSCFG: no MEMRMP (BOOT_ADD0/1 are option bytes).
		syscfgENR: rcc + 0xF4, syscfgENBit: 1 << 1,
		// DTCM, AXI SRAM, SRAM1-3, SRAM4.
		ram: []ramRange{{0x20000000, 0x20020000}, {0x24000000, 0x24080000}, {0x30000000, 0x30048000}, {0x38000000, 0x38010000}},
	}
}

// l4Regs: RM0351 sections 6.4 (RCC), 5.4 (PWR), 38.6 (RTC), 9.2
// (SYSCFG).
func l4Regs() regMap {
	const rcc = 0x40021000
	return regMap{
		// RCC_CR: MSION 0, MSIRDY 1 (the reset clock), HSEON 16, HSEBYP
		// 18, CSSON 19, PLLON 24, PLLSAI1ON 26, PLLSAI2ON 28.
		cr: rcc + 0x00, crOscOn: 1 << 0, crOscRdy: 1 << 1, crHSEOn: 1 << 16, crHSEByp: 1 << 18, crCSS: 1 << 19,
		crPLLs: 1<<24 | 1<<26 | 1<<28,
		// RCC_CFGR: SW 1:0, SWS 3:2 (00 = MSI).
		cfgr: rcc + 0x08, cfgrSW: 3, cfgrSWS: 3 << 2,
		// RCC_PLLCFGR, PLLSAI1CFGR, PLLSAI2CFGR reset values.
		pllRegs: []regValue{{rcc + 0x0C, 0x00001000}, {rcc + 0x10, 0x00001000}, {rcc + 0x14, 0x00001000}},
		// RCC_CIER 0; RCC_CICR write 1 to clear (bits 0-10).
		clockIRQOff: []regValue{{rcc + 0x18, 0}, {rcc + 0x20, 0x7FF}},
		// RCC_AHB2RSTR/AHB2ENR bit 12: OTGFS.
		otgRSTR: rcc + 0x2C, otgENR: rcc + 0x4C, otgBit: 1 << 12,
		// AHB1ENR (FLASHEN set at reset), AHB2ENR, AHB3ENR, APB1ENR1,
		// APB1ENR2, APB2ENR.
		enrReset: []regValue{{rcc + 0x48, 1 << 8}, {rcc + 0x4C, 0}, {rcc + 0x50, 0}, {rcc + 0x58, 0}, {rcc + 0x5C, 0}, {rcc + 0x60, 0}},
		// RCC_APB1ENR1 PWREN bit 28; PWR_CR1 DBP bit 8.
		pwrENR: rcc + 0x58, pwrENBit: 1 << 28, pwrCR: 0x40007000, pwrDBP: 1 << 8,
		bdcr: rcc + 0x90,
		// RCC_CSR: RMVF 23, FWRSTF 24, OBLRSTF 25, PINRSTF 26, BORRSTF
		// 27 (also set by a power-on), SFTRSTF 28, IWDGRSTF 29, WWDGRSTF
		// 30, LPWRRSTF 31.
		rsr: rcc + 0x94, rsrRMVF: 1 << 23, rsrSFT: 1 << 28, rsrPOR: 1 << 27, rsrFlags: 0xFF000000,
		rtc: 0x40002800, bkpN: 32,
		// SYSCFG_MEMRMP MEM_MODE 2:0 (001 = system flash); SYSCFGEN is
		// RCC_APB2ENR bit 0.
		syscfgR: 0x40010000, memModeMask: 7, syscfgENR: rcc + 0x60, syscfgENBit: 1 << 0,
		// SRAM1 (up to 640 KB on L4R/S) and SRAM2 at 0x10000000.
		ram: []ramRange{{0x20000000, 0x200A0000}, {0x10000000, 0x10010000}},
	}
}
