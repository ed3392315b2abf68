package mcu

import (
	"fmt"
	"time"
)

// AppProfile is what a typical application (CircuitPython's STM32 port,
// an Arduino sketch) sets up after start-up, i.e. the state a direct jump
// to the ROM has to undo.
type AppProfile struct {
	// SysclkHz is the PLL output used as SYSCLK (168 MHz on F405/F407,
	// 180 MHz on F446/F42x). The PLL runs from the HSE.
	SysclkHz uint32
	// EnabledIRQs are enabled in the NVIC (e.g. OTG_FS 67, TIM2 28).
	EnabledIRQs []int
	// PendingIRQs are pending at the moment the application leaves.
	PendingIRQs []int
	// USB configures the OTG_FS core as a connected device.
	USB bool
	// RTC starts the LSE and the RTC (CircuitPython's STM32 port keeps
	// time with the RTC) and sets the calendar to RTCStart.
	RTC      bool
	RTCStart time.Time
	// Watchdog, if not zero, starts the independent watchdog with about
	// this timeout (at most 32.76 s); the application is assumed to
	// refresh it while it runs.
	Watchdog time.Duration
}

// TypicalApp is a CircuitPython-like application: 168 MHz from the HSE,
// SysTick at 1 kHz, USB device active, OTG_FS and TIM2 interrupts enabled,
// OTG_FS and TIM2 pending, RTC running on the LSE.
func TypicalApp() AppProfile {
	return AppProfile{
		SysclkHz:    168_000_000,
		EnabledIRQs: []int{irqOTGFS, irqTIM2, irqTIM5, irqEXTI15_10},
		PendingIRQs: []int{irqOTGFS, irqTIM2},
		USB:         true,
		RTC:         true,
		RTCStart:    time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

// InitApplication performs p's set-up through the register interface, as
// application code would (call it from Hooks.AppStart), in the model's
// (the F4's) register map whatever the family: it stands for the
// application, which is not what is under test. It returns an error
// if the board cannot do it (no HSE, so no PLL lock).
func (c *Chip) InitApplication(p AppProfile) error {
	if c.state.Running != Application {
		return fmt.Errorf("mcu: InitApplication while the CPU runs %s, not the application", c.state.Running)
	}
	hse := c.cfg.HSE.Hz
	if hse == 0 || hse%1_000_000 != 0 || p.SysclkHz == 0 || p.SysclkHz%1_000_000 != 0 {
		return fmt.Errorf("mcu: cannot clock the PLL at %d Hz from an HSE of %d Hz", p.SysclkHz, hse)
	}
	c.w32(rccCR, c.r32(rccCR)|crHSEON)
	if c.r32(rccCR)&crHSERDY == 0 {
		return fmt.Errorf("mcu: HSE did not start")
	}
	// VCO input 1 MHz (PLLM = HSE in MHz), VCO = 2*SYSCLK, PLLP = 2,
	// PLLQ such that the USB clock is 48 MHz.
	m := hse / 1_000_000
	n := 2 * p.SysclkHz / 1_000_000
	q := n / 48
	c.w32(rccPLLCFGR, q<<24|pllcfgrSrcHSE|0<<16|n<<6|m)
	c.w32(rccCR, c.r32(rccCR)|crPLLON)
	if c.r32(rccCR)&crPLLRDY == 0 {
		return fmt.Errorf("mcu: PLL did not lock")
	}
	// AHB /1, APB1 /4, APB2 /2, SYSCLK = PLL.
	c.w32(rccCFGR, 5<<10|4<<13|swPLL)
	c.w32(rccAHB1ENR, c.r32(rccAHB1ENR)|0x7) // GPIOA..C
	c.w32(rccAPB1ENR, c.r32(rccAPB1ENR)|apb1PWREN|apb1TIM2EN|1<<3)
	c.w32(rccAPB2ENR, c.r32(rccAPB2ENR)|apb2SYSCFGEN)
	if p.RTC {
		c.w32(pwrCR, c.r32(pwrCR)|pwrCRDBP)
		c.w32(rccBDCR, c.r32(rccBDCR)|bdcrLSEON)
		if c.r32(rtcISR)&rtcISRINITS == 0 {
			c.w32(rccBDCR, c.r32(rccBDCR)|bdcrRTCSELLSE|bdcrRTCEN)
			c.SetRTC(p.RTCStart)
		}
	}
	c.w32(stkLOAD, p.SysclkHz/1000-1)
	c.w32(stkVAL, 0)
	c.w32(stkCTRL, 7) // CLKSOURCE=AHB, TICKINT, ENABLE
	if p.USB {
		c.w32(rccAHB2ENR, c.r32(rccAHB2ENR)|ahb2OTGFS)
		c.w32(otgGUSBCFG, 1<<30|6<<10|otgResetValues[otgGUSBCFG]) // force device mode, TRDT=6
		c.w32(otgGCCFG, gccfgPWRDWN|1<<21)                        // PHY on, no VBUS sensing
		c.w32(otgDCFG, otgResetValues[otgDCFG]|3)                 // full speed
		c.w32(otgGINTMSK, 1<<12|1<<13|1<<4|1<<18|1<<19)           // reset, enum done, RXFLVL, IEP, OEP
		c.w32(otgGAHBCFG, 1)                                      // GINTMSK: global interrupts on
	}
	if p.Watchdog > 0 {
		// Smallest prescaler (4<<PR) whose 12-bit reload reaches the
		// timeout at the LSI's 32 kHz.
		pr := uint32(0)
		for pr < 6 && p.Watchdog > time.Duration(0x1000)*time.Duration(4<<pr)*time.Second/lsiHz {
			pr++
		}
		rlr := uint32(p.Watchdog*lsiHz/time.Second) / (4 << pr)
		rlr = max(1, min(rlr, 0x1000)) - 1
		c.w32(iwdgKR, iwdgKeyAccess)
		c.w32(iwdgPR, pr)
		c.w32(iwdgRLR, rlr)
		c.w32(iwdgKR, iwdgKeyReload)
		c.w32(iwdgKR, iwdgKeyStart)
	}
	for _, irq := range p.EnabledIRQs {
		c.w32(nvicISER+uint32(irq/32)*4, 1<<(irq%32))
	}
	for _, irq := range p.PendingIRQs {
		c.w32(nvicISPR+uint32(irq/32)*4, 1<<(irq%32))
	}
	if c.state.Running != Application {
		return fmt.Errorf("mcu: application set-up failed: %s", c.state)
	}
	return nil
}
