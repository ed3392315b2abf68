package stm32f4

// Register addresses and bits of the reference family, STM32F4: RM0090
// (STM32F405/7/15/17/27/29/37/39 reference manual) for RCC, PWR, RTC,
// SYSCFG and OTG_FS, which F4 (and F2, F7) use through f4Regs; PM0214
// (Cortex-M4 programming manual) for SysTick, NVIC and SCB, which every
// family here shares (PM0253 for the Cortex-M7 of F7 and H7 has them at
// the same addresses).
const (
	// RCC, RM0090 7.3.
	rccCR       = 0x40023800 // HSION 0, HSIRDY 1, HSEON 16, HSEBYP 18, CSSON 19, PLLON 24
	rccPLLCFGR  = 0x40023804
	rccCFGR     = 0x40023808 // SW 1:0, SWS 3:2
	rccCIR      = 0x4002380C
	rccAHB2RSTR = 0x40023814 // AHB2RSTR
	rccAHB1ENR  = 0x40023830
	rccAHB2ENR  = 0x40023834
	rccAPB1ENR  = 0x40023840
	rccAPB2ENR  = 0x40023844
	rccBDCR     = 0x40023870
	rccCSR      = 0x40023874

	crHSION  = 1 << 0
	crHSIRDY = 1 << 1
	crHSEON  = 1 << 16
	crHSEBYP = 1 << 18
	crCSSON  = 1 << 19
	crPLLON  = 1 << 24
	crPLLI2S = 1 << 26

	cfgrSWMask  = 3
	cfgrSWSMask = 3 << 2

	// RM0090 reset values.
	pllcfgrReset = 0x24003010
	ahb1enrReset = 0x00100000 // CCMDATARAMEN

	ahb2OTGFS    = 1 << 7  // AHB2RSTR OTGFSRST, AHB2ENR OTGFSEN
	apb1PWREN    = 1 << 28 // APB1ENR
	apb2SYSCFGEN = 1 << 14 // APB2ENR

	bdcrRTCEN = 1 << 15

	csrRMVF    = 1 << 24
	csrBORRSTF = 1 << 25
	csrPINRSTF = 1 << 26
	csrPORRSTF = 1 << 27
	csrSFTRSTF = 1 << 28
	csrFlags   = 0xFE000000

	// PWR, RM0090 5.4.
	pwrCR    = 0x40007000
	pwrCRDBP = 1 << 8

	// RTC, RM0090 26.6: backup registers RTC_BKP0R..RTC_BKP19R.
	// Offsets are the same on F2, F7, H7 and L4 (RM0033, RM0410,
	// RM0433, RM0351).
	rtcBase     = 0x40002800
	rtcTR       = 0x00
	rtcDR       = 0x04
	rtcISR      = 0x0C
	rtcPRER     = 0x10
	rtcSSR      = 0x28
	rtcBKP0R    = 0x50
	rtcISRINITS = 1 << 4
	rtcISRRSF   = 1 << 5

	// SYSCFG, RM0090 9.2.
	syscfgMEMRMP       = 0x40013800
	memModeSystemFlash = 1 // MEM_MODE = 01: system flash at 0x00000000

	// SysTick, PM0214 4.5.
	stkCTRL = 0xE000E010
	stkLOAD = 0xE000E014
	stkVAL  = 0xE000E018

	// NVIC, PM0214 4.2: 8 words of 32 interrupts each.
	nvicICER = 0xE000E180
	nvicICPR = 0xE000E280

	// SCB, PM0214 4.4.
	scbAIRCR          = 0xE000ED0C
	aircrVECTKEY      = 0x05FA << 16
	aircrPRIGROUPMask = 7 << 8
	aircrSYSRESETREQ  = 1 << 2

	// RAM ranges on F405/F407 (RM0090 2.3).
	sramBase = 0x20000000
	sramEnd  = 0x20020000
	ccmBase  = 0x10000000
	ccmEnd   = 0x10010000

	// pollLimit bounds every wait for a hardware flag.
	pollLimit = 100000
)
