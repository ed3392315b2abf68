package mcu

import "time"

// Independent watchdog (RM0090 section 19), base 0x40003000.
const (
	iwdgKR        = 0x40003000
	iwdgPR        = 0x40003004
	iwdgRLR       = 0x40003008
	iwdgSR        = 0x4000300C
	iwdgKeyStart  = 0xCCCC
	iwdgKeyReload = 0xAAAA
	iwdgKeyAccess = 0x5555
	iwdgRLRReset  = 0xFFF
	// lsiHz is the LSI's nominal frequency (RM0090: about 32 kHz).
	lsiHz = 32000
)

// iwdg is the watchdog's state. Model rules: it is stopped by every system
// reset (true unless the WDG_SW option bit selects the hardware watchdog,
// which is not modelled); while the CPU runs the application, the
// application is assumed to refresh it; while the CPU runs the ROM or is
// hung nobody does, and Advance past the deadline resets the chip with
// RCC_CSR IWDGRSTF. This is why MicroPython notes that branching to a
// bootloader from a running application cannot work with the watchdog on,
// while a system reset first can.
type iwdg struct {
	running  bool
	unlocked bool
	pr, rlr  uint32
	deadline time.Duration
}

func (w *iwdg) reset() { *w = iwdg{rlr: iwdgRLRReset} }

func (w *iwdg) timeout() time.Duration {
	return time.Duration(w.rlr+1) * time.Duration(4<<w.pr) * time.Second / lsiHz
}

func (c *Chip) writeIWDG(addr, v uint32) {
	w := &c.wdg
	switch addr {
	case iwdgKR:
		switch v & 0xFFFF {
		case iwdgKeyStart:
			w.running = true
			w.deadline = c.now + w.timeout()
			c.csr |= csrLSION | csrLSIRDY // starting the IWDG forces the LSI on
		case iwdgKeyReload:
			w.deadline = c.now + w.timeout()
		case iwdgKeyAccess:
			w.unlocked = true
		default:
			w.unlocked = false
		}
	case iwdgPR:
		if w.unlocked {
			w.pr = v & 7
			if w.pr > 6 {
				w.pr = 6 // 7 also divides by 256
			}
		}
	case iwdgRLR:
		if w.unlocked {
			w.rlr = v & 0xFFF
		}
	}
}

func (c *Chip) readIWDG(addr uint32) uint32 {
	switch addr {
	case iwdgPR:
		return c.wdg.pr
	case iwdgRLR:
		return c.wdg.rlr
	}
	return 0 // KR is write-only; SR: updates complete at once
}

// WatchdogRunning reports whether the independent watchdog runs.
func (c *Chip) WatchdogRunning() bool { return c.wdg.running }

// Advance lets simulated time pass (the RTC counts on). If the
// independent watchdog runs and nobody refreshes it (the CPU runs the ROM
// or is hung) and its deadline passes, the chip resets with RCC_CSR
// IWDGRSTF at the deadline and boots, and time then runs on to the end of d.
func (c *Chip) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	end := c.now + d
	if c.wdg.running && c.state.Running == Application {
		c.wdg.deadline = end + c.wdg.timeout() // the application feeds it
	}
	if c.wdg.running && (c.state.Running == ROMBootloader || c.state.Running == Hung) && c.wdg.deadline <= end {
		c.now = c.wdg.deadline
		c.pending = action{kind: actReset, flags: csrIWDGRSTF | csrPINRSTF}
		c.run()
		if c.now < end {
			c.Advance(end - c.now)
		}
		return
	}
	c.now = end
}
