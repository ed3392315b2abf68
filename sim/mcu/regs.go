package mcu

// Register addresses and bits, from RM0090 (STM32F405/7/15/17/27/29/37/39
// reference manual) and PM0214 (Cortex-M4 programming manual). This list is
// written independently of package target/stm32f4 on purpose: the tests
// cross-check the two.
const (
	// RCC (RM0090 section 7.3), base 0x40023800.
	rccCR       = 0x40023800
	rccPLLCFGR  = 0x40023804
	rccCFGR     = 0x40023808
	rccCIR      = 0x4002380C
	rccAHB1RSTR = 0x40023810
	rccAHB2RSTR = 0x40023814
	rccAHB3RSTR = 0x40023818
	rccAPB1RSTR = 0x40023820
	rccAPB2RSTR = 0x40023824
	rccAHB1ENR  = 0x40023830
	rccAHB2ENR  = 0x40023834
	rccAHB3ENR  = 0x40023838
	rccAPB1ENR  = 0x40023840
	rccAPB2ENR  = 0x40023844
	rccBDCR     = 0x40023870
	rccCSR      = 0x40023874

	crHSION  = 1 << 0
	crHSIRDY = 1 << 1
	crHSEON  = 1 << 16
	crHSERDY = 1 << 17
	crHSEBYP = 1 << 18
	crCSSON  = 1 << 19
	crPLLON  = 1 << 24
	crPLLRDY = 1 << 25
	// crReset: HSION|HSIRDY, HSITRIM=16; HSICAL (bits 15:8) is factory
	// calibration, modelled as 0x6B (UNVERIFIED, differs per chip).
	crReset = 0x00006B83

	pllcfgrReset  = 0x24003010 // PLLM=16 PLLN=192 PLLP=2 PLLQ=4, source HSI
	pllcfgrSrcHSE = 1 << 22

	cfgrSWMask  = 3
	cfgrSWSMask = 3 << 2
	swHSI       = 0
	swHSE       = 1
	swPLL       = 2

	cirIEMask = 0x00003F00 // LSIRDYIE..PLLI2SRDYIE (bits 8..13)

	ahb1enrReset   = 0x00100000 // CCMDATARAMEN
	ahb2OTGFS      = 1 << 7     // AHB2ENR OTGFSEN / AHB2RSTR OTGFSRST
	apb1PWREN      = 1 << 28
	apb2SYSCFGEN   = 1 << 14
	apb1TIM2EN     = 1 << 0
	ahb1GPIOAEN    = 1 << 0
	bdcrLSEON      = 1 << 0
	bdcrLSERDY     = 1 << 1
	bdcrRTCSELMask = 3 << 8
	bdcrRTCSELLSE  = 1 << 8
	bdcrRTCEN      = 1 << 15
	bdcrBDRST      = 1 << 16

	csrLSION    = 1 << 0
	csrLSIRDY   = 1 << 1
	csrRMVF     = 1 << 24
	csrBORRSTF  = 1 << 25
	csrPINRSTF  = 1 << 26
	csrPORRSTF  = 1 << 27
	csrSFTRSTF  = 1 << 28
	csrIWDGRSTF = 1 << 29
	csrWWDGRSTF = 1 << 30
	csrLPWRRSTF = 1 << 31
	csrFlags    = 0xFE000000

	// PWR (RM0090 section 5.4), base 0x40007000.
	pwrCR      = 0x40007000
	pwrCSR     = 0x40007004
	pwrCRDBP   = 1 << 8
	pwrCRReset = 0x00004000 // VOS=1 on F405/F407 (UNVERIFIED for F42x: VOS is 2 bits there)

	// RTC (RM0090 section 26.6), base 0x40002800.
	rtcTR     = 0x40002800
	rtcDR     = 0x40002804
	rtcCR     = 0x40002808
	rtcISR    = 0x4000280C
	rtcPRER   = 0x40002810
	rtcWPR    = 0x40002824
	rtcSSR    = 0x40002828
	rtcBKP0R  = 0x40002850
	rtcBKPMax = 32 // RTC_BKP0R..RTC_BKP31R (F7, H7, L4); an F4 has 20

	rtcISRINITS  = 1 << 4
	rtcISRRSF    = 1 << 5
	rtcISRReset  = 0x00000007
	rtcPRERReset = 0x007F00FF // PREDIV_A=127, PREDIV_S=255: 1 Hz from 32.768 kHz
	rtcDRReset   = 0x00002101 // 2000-01-01, Monday

	// SYSCFG (RM0090 section 9.2), base 0x40013800.
	syscfgMEMRMP       = 0x40013800
	memModeMask        = 3
	memModeMainFlash   = 0
	memModeSystemFlash = 1
	memModeSRAM        = 3

	// SysTick (PM0214 section 4.5).
	stkCTRL   = 0xE000E010
	stkLOAD   = 0xE000E014
	stkVAL    = 0xE000E018
	stkENABLE = 1 << 0
	stkINT    = 1 << 1

	// NVIC (PM0214 section 4.2): 8 words each; the F405 implements 82 IRQs.
	nvicISER = 0xE000E100
	nvicICER = 0xE000E180
	nvicISPR = 0xE000E200
	nvicICPR = 0xE000E280
	nvicIRQs = 82

	// SCB (PM0214 section 4.4).
	scbVTOR           = 0xE000ED08
	scbAIRCR          = 0xE000ED0C
	aircrVECTKEY      = 0x05FA << 16
	aircrVECTKEYSTAT  = 0xFA05 << 16
	aircrSYSRESETREQ  = 1 << 2
	aircrPRIGROUPMask = 7 << 8

	// USB OTG_FS core (RM0090 section 34.16), base 0x50000000.
	otgBase     = 0x50000000
	otgGOTGCTL  = otgBase + 0x000
	otgGAHBCFG  = otgBase + 0x008
	otgGUSBCFG  = otgBase + 0x00C
	otgGRSTCTL  = otgBase + 0x010
	otgGINTSTS  = otgBase + 0x014
	otgGINTMSK  = otgBase + 0x018
	otgGCCFG    = otgBase + 0x038
	otgDCFG     = otgBase + 0x800
	otgDCTL     = otgBase + 0x804
	grstCSRST   = 1 << 0
	grstAHBIDL  = 1 << 31
	gccfgPWRDWN = 1 << 16

	// Memory map (RM0090 section 2.3, F405/F407).
	flashBase    = 0x08000000
	flashSize    = 1 << 20
	sysMemBase   = 0x1FFF0000
	sysMemSize   = 30 * 1024 // 0x1FFF0000..0x1FFF77FF
	sramBase     = 0x20000000
	sramSize     = 128 * 1024 // SRAM1 112 KB + SRAM2 16 KB
	ccmBase      = 0x10000000
	ccmSize      = 64 * 1024
	aliasSize    = 1 << 20 // what MEM_MODE maps at 0x00000000 that we model
	irqOTGFS     = 67
	irqTIM2      = 28
	irqTIM5      = 50
	irqRTCWKUP   = 3
	irqEXTI15_10 = 40
)

// otgResetValues are the OTG_FS core registers this model checks, with
// their reset values (RM0090 OTG_FS register map). UNVERIFIED in detail:
// the reset values of GOTGCTL, GINTSTS and DCFG are taken as documented.
var otgResetValues = map[uint32]uint32{
	otgGOTGCTL: 0x00000800,
	otgGAHBCFG: 0x00000000,
	otgGUSBCFG: 0x00000A00,
	otgGRSTCTL: grstAHBIDL,
	otgGINTSTS: 0x04000020,
	otgGINTMSK: 0x00000000,
	otgGCCFG:   0x00000000,
	otgDCFG:    0x02200000,
	otgDCTL:    0x00000000,
}

// otgConfigRegs are the registers that tell whether an application left
// the core configured (a core soft reset does not clear them).
var otgConfigRegs = []uint32{otgGAHBCFG, otgGUSBCFG, otgGINTMSK, otgGCCFG, otgDCFG, otgDCTL}

// rccPlainResetValues are RCC registers with no special behaviour in the
// model beyond storing what is written; reset by any system reset.
var rccPlainResetValues = map[uint32]uint32{
	rccAHB1RSTR: 0, rccAHB3RSTR: 0, rccAPB1RSTR: 0, rccAPB2RSTR: 0,
	rccAHB1ENR: ahb1enrReset, rccAHB2ENR: 0, rccAHB3ENR: 0, rccAPB1ENR: 0, rccAPB2ENR: 0,
	rccCIR: 0,
}
