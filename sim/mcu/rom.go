package mcu

import (
	"fmt"
	"math/bits"
	"time"
)

// HSE models a board's crystal as the ROM bootloader sees it at start-up.
//
// AN2606 (USB DFU on STM32F4): the ROM measures the HSE against the HSI to
// configure the 48 MHz USB clock, and resets the chip when it does not find
// it. ST's forum (2025, "STM32F405 HSE timeout is too short to enter DFU
// mode") quotes AN2606: the HSE start-up timeout is 0.79 ms in F405 ROM v3
// and 96 ms in v9. A 12 MHz crystal that starts slower than 0.79 ms is then
// missed on some starts; a 2026 CircuitPython change measured 5/12 direct
// entries on an Adafruit Feather STM32F405.
type HSE struct {
	// Hz is the crystal frequency; 0 means no HSE on the board.
	Hz uint32
	// DetectTimeout is how long the ROM waits for HSERDY.
	DetectTimeout time.Duration
	// MissProbability is the chance one ROM start misses the crystal and
	// resets the chip (a model parameter fitted to the field report).
	MissProbability float64
}

// The boards and their crystals are in one catalog, sim.Boards
// (sim.BoardModel.HSE builds a board's HSE).

// hseMiss spends the ROM's HSE detection time and reports a miss.
func (c *Chip) hseMiss() bool {
	h := c.cfg.HSE
	if h.Hz == 0 {
		c.now += h.DetectTimeout
		return true
	}
	if h.MissProbability > 0 && c.cfg.Rand.Float64() < h.MissProbability {
		c.now += h.DetectTimeout
		return true
	}
	c.now += h.DetectTimeout / 2
	return false
}

// ROMEntryCheck judges, as the ROM bootloader would fare, the state the
// CPU is in now against AN2606's "jump to system memory" preconditions: RCC
// at reset (HSI is SYSCLK, PLL and HSE off, no clock interrupts), SysTick
// stopped, no NVIC interrupt enabled or pending, PRIMASK clear, the OTG_FS
// core at reset, MSP equal to the ROM's initial stack (the word at
// 0x1FFF0000, Config.SystemMemory) and system flash mapped at 0
// (unless Config.DirectBranch). It returns nil or an
// *EntryError for the first violation found.
func (c *Chip) ROMEntryCheck() error {
	cr, cfgr := c.regs[rccCR], c.regs[rccCFGR]
	fail := func(f Fault, format string, a ...any) error {
		return &EntryError{Fault: f, Detail: fmt.Sprintf(format, a...)}
	}
	switch {
	case cr&crPLLON != 0:
		return fail(FaultPLLOn, "RCC_CR=0x%08X: PLLON set; switch SYSCLK to HSI, then clear PLLON", cr)
	case cfgr&cfgrSWSMask != 0:
		return fail(FaultSysclkNotHSI, "RCC_CFGR=0x%08X: SWS=%d, SYSCLK is not the HSI", cfgr, (cfgr&cfgrSWSMask)>>2)
	case cr&crHSEON != 0:
		return fail(FaultHSEOn, "RCC_CR=0x%08X: HSEON set; the ROM starts the crystal itself", cr)
	case c.regs[rccCIR]&cirIEMask != 0:
		return fail(FaultClockInterrupts, "RCC_CIR=0x%08X: clock-ready interrupts enabled", c.regs[rccCIR])
	case c.regs[stkCTRL]&(stkENABLE|stkINT) != 0:
		return fail(FaultSysTickRunning, "STK_CTRL=0x%08X: SysTick enabled", c.regs[stkCTRL])
	}
	for i, w := range c.nvicEnable {
		if w != 0 {
			return fail(FaultIRQEnabled, "NVIC_ISER%d=0x%08X: IRQ %d enabled", i, w, 32*i+bits.TrailingZeros32(w))
		}
	}
	for i, w := range c.nvicPend {
		if w != 0 {
			return fail(FaultIRQPending, "NVIC_ISPR%d=0x%08X: IRQ %d pending", i, w, 32*i+bits.TrailingZeros32(w))
		}
	}
	if c.primask {
		return fail(FaultInterruptsMasked, "PRIMASK set: interrupts disabled at the jump")
	}
	for _, a := range otgConfigRegs {
		if v := c.regs[a]; v != otgResetValues[a] {
			return fail(FaultUSBNotReset, "OTG_FS register 0x%08X=0x%08X, reset value 0x%08X: reset the core with RCC_AHB2RSTR OTGFSRST", a, v, otgResetValues[a])
		}
	}
	if c.msp != c.cfg.ROMStack {
		return fail(FaultStack, "MSP=0x%08X, the ROM's initial stack (word at 0x%08X) is 0x%08X", c.msp, c.cfg.SystemMemory, c.cfg.ROMStack)
	}
	if m := c.regs[syscfgMEMRMP] & memModeMask; m != memModeSystemFlash && !c.cfg.DirectBranch {
		return fail(FaultNotRemapped, "SYSCFG_MEMRMP MEM_MODE=%d, want 1 (system flash at 0x00000000)", m)
	}
	return nil
}
