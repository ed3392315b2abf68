package stm32f4

import (
	"fmt"
	"time"
)

// Defaults for Config.
const (
	DefaultMaxAttempts = 32
	DefaultMaxAge      = 5 * time.Second
	DefaultRetryWindow = time.Second
)

// Config chooses where the request lives and how long it stays valid.
type Config struct {
	// Store is where the request word lives: BackupRegister(n) or
	// RAMWord(addr).
	Store Store
	// MaxAttempts bounds ROM entries for one request (1..255; 0 means
	// DefaultMaxAttempts). With a 7-in-12 HSE miss rate, 32 attempts fail
	// all together with a chance of about 3e-8.
	MaxAttempts int
	// MaxAge drops a request older than this, measured by the RTC from
	// OnNextReset/Reset (backup-register store with the RTC running only;
	// 0 means DefaultMaxAge).
	MaxAge time.Duration
	// RetryWindow drops a request when the start-up comes later than this
	// after the last ROM attempt: the ROM resets within about a
	// millisecond when it misses the crystal, while a reset long after
	// means the ROM ran and the DFU session ended (DfuSe leave with a
	// reset). RTC store only; 0 means DefaultRetryWindow.
	RetryWindow time.Duration
	// Family is the chip's register map and ROM entry rule: F4 (nil
	// means F4), F2, F7, H7 or L4; FamilyNamed finds it by the chip
	// database's family name (part.Family.Name).
	Family *Family
}

// Device is the run-mode and bootloader-entry logic of one chip.
type Device struct {
	bus Bus
	cpu CPU
	cfg Config
	f   *Family
}

// New checks cfg and returns a Device using bus and cpu.
func New(bus Bus, cpu CPU, cfg Config) (*Device, error) {
	if bus == nil || cpu == nil {
		return nil, fmt.Errorf("stm32f4: New needs a Bus and a CPU")
	}
	if cfg.Family == nil {
		cfg.Family = F4
	}
	if _, ok := FamilyNamed(cfg.Family.Name); !ok || cfg.Family.r.rsr == 0 {
		return nil, fmt.Errorf("stm32f4: family %q is not one of %s: use one of the package's Family values", cfg.Family.Name, familyNames())
	}
	if err := cfg.Store.check(cfg.Family); err != nil {
		return nil, err
	}
	switch {
	case cfg.MaxAttempts == 0:
		cfg.MaxAttempts = DefaultMaxAttempts
	case cfg.MaxAttempts < 0 || cfg.MaxAttempts > maxAttemptCap:
		return nil, fmt.Errorf("stm32f4: MaxAttempts %d is not in 1..%d (the request word counts attempts in 8 bits)", cfg.MaxAttempts, maxAttemptCap)
	}
	if cfg.MaxAge < 0 || cfg.RetryWindow < 0 {
		return nil, fmt.Errorf("stm32f4: MaxAge %v and RetryWindow %v must not be negative", cfg.MaxAge, cfg.RetryWindow)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.RetryWindow == 0 {
		cfg.RetryWindow = DefaultRetryWindow
	}
	if cfg.MaxAge > 12*time.Hour || cfg.RetryWindow > 12*time.Hour {
		return nil, fmt.Errorf("stm32f4: MaxAge %v / RetryWindow %v over 12 h: the RTC stamp is a time of day", cfg.MaxAge, cfg.RetryWindow)
	}
	return &Device{bus: bus, cpu: cpu, cfg: cfg, f: cfg.Family}, nil
}

// Config returns the configuration in use (defaults filled in).
func (d *Device) Config() Config { return d.cfg }

// OnNextReset records what the next start-up should do, like
// CircuitPython's microcontroller.on_next_reset. Normal clears any pending
// request. The request is acted on after a software reset only (Reset, or
// the ROM's own reset while retrying).
func (d *Device) OnNextReset(m RunMode) error {
	if !m.valid() {
		return fmt.Errorf("stm32f4: run mode %d is not one of normal, safe-mode, uf2, bootloader", uint8(m))
	}
	if m == Normal {
		d.writeRequest(0)
		return nil
	}
	d.storeRequest(request{mode: m})
	return nil
}

// Pending returns the request stored now, if any.
func (d *Device) Pending() (RunMode, bool) {
	r, ok := decodeRequest(d.bus.Read32(d.cfg.Store.wordAddr(d.f)))
	return r.mode, ok
}

// storeRequest writes r, with a fresh RTC stamp when the store has one.
func (d *Device) storeRequest(r request) {
	d.withBackupAccess(func() {
		if d.cfg.Store.backup {
			if now, ok := d.rtcMillis(); ok {
				r.stamped = true
				d.bus.Write32(d.cfg.Store.requestTimeAddr(d.f), now)
			}
		}
		d.bus.Write32(d.cfg.Store.wordAddr(d.f), r.encode())
	})
}

func (d *Device) writeRequest(w uint32) {
	d.withBackupAccess(func() { d.bus.Write32(d.cfg.Store.wordAddr(d.f), w) })
}

// Reset performs a system reset (microcontroller.reset): a pending request
// is restamped (its age counts from now, with a fresh attempt count), then
// SCB_AIRCR is written with VECTKEY and SYSRESETREQ. On silicon it does not
// return; in a simulator it returns after the chip has reset.
func (d *Device) Reset() {
	if r, ok := decodeRequest(d.bus.Read32(d.cfg.Store.wordAddr(d.f))); ok && r.mode != Normal {
		d.storeRequest(request{mode: r.mode})
	}
	d.cpu.DisableInterrupts()
	d.cpu.DSB()
	aircr := d.bus.Read32(scbAIRCR)
	d.bus.Write32(scbAIRCR, aircrVECTKEY|aircr&aircrPRIGROUPMask|aircrSYSRESETREQ)
	d.cpu.DSB()
	d.cpu.WaitForReset()
}

// Drop says why EarlyStartup ignored a stored request.
type Drop uint8

// Reasons to drop a request.
const (
	DropNone Drop = iota
	// DropNotSoftwareReset: the start-up did not follow a software reset
	// (power-on, brown-out, pin or watchdog reset, or a jump from the ROM
	// on DFU leave).
	DropNotSoftwareReset
	// DropStale: the request is older than Config.MaxAge by the RTC.
	DropStale
	// DropSessionOver: the last ROM attempt is older than
	// Config.RetryWindow: the ROM ran, this is not a detection retry.
	DropSessionOver
	// DropAttempts: Config.MaxAttempts ROM entries were made already.
	DropAttempts
	// DropClockStopped: the request carries an RTC stamp but the RTC no
	// longer runs, so its age is unknown.
	DropClockStopped
)

// String returns a short stable name such as "stale".
func (d Drop) String() string {
	switch d {
	case DropNone:
		return "none"
	case DropNotSoftwareReset:
		return "not-software-reset"
	case DropStale:
		return "stale"
	case DropSessionOver:
		return "session-over"
	case DropAttempts:
		return "attempts-exhausted"
	case DropClockStopped:
		return "clock-stopped"
	}
	return fmt.Sprintf("Drop(%d)", uint8(d))
}

// Startup is what EarlyStartup found and did.
type Startup struct {
	// Mode is the mode to start in. Bootloader means control went to
	// the ROM (on silicon EarlyStartup did not return; in a simulator the
	// caller must return from its reset handler at once).
	Mode RunMode
	// Attempt is the ROM attempt number (1-based) when Mode is
	// Bootloader.
	Attempt int
	// Dropped says why a stored request was ignored.
	Dropped Drop
	// ResetFlags are the reset flags as found (RCC_CSR bits 31:25 on
	// F2/F4/F7, RCC_CSR 31:24 on L4, RCC_RSR 31:17 on H7, at the
	// family's bit positions); EarlyStartup clears them (RMVF) so that
	// the next start-up sees only its own cause.
	ResetFlags uint32
}

// EarlyStartup must be the first thing the reset handler does, before any
// clock or peripheral set-up (and, for a RAM store, before start-up code
// could clear the word). It
// reads and clears the reset flags, consumes the stored request and, for a
// valid Bootloader request, enters the ROM bootloader (see the package
// documentation). The request stays stored while the ROM runs, so that a
// ROM that resets back (HSE detection miss) is entered again.
func (d *Device) EarlyStartup() Startup {
	fr := &d.f.r
	csr := d.bus.Read32(fr.rsr)
	d.bus.Write32(fr.rsr, csr|fr.rsrRMVF)
	st := Startup{Mode: Normal, ResetFlags: csr & fr.rsrFlags}

	r, ok := decodeRequest(d.bus.Read32(d.cfg.Store.wordAddr(d.f)))
	if !ok {
		return st
	}
	drop := func(why Drop) Startup {
		d.writeRequest(0)
		st.Dropped = why
		return st
	}
	if csr&fr.rsrSFT == 0 || csr&fr.rsrPOR != 0 {
		return drop(DropNotSoftwareReset)
	}
	if r.mode != Bootloader {
		d.writeRequest(0)
		st.Mode = r.mode
		return st
	}
	if r.attempts >= d.cfg.MaxAttempts {
		return drop(DropAttempts)
	}
	var now uint32
	if r.stamped {
		var running bool
		now, running = d.rtcMillis()
		if !running {
			return drop(DropClockStopped)
		}
		if age(now, d.bus.Read32(d.cfg.Store.requestTimeAddr(d.f))) > d.cfg.MaxAge {
			return drop(DropStale)
		}
		if r.attempts > 0 && age(now, d.bus.Read32(d.cfg.Store.attemptTimeAddr(d.f))) > d.cfg.RetryWindow {
			return drop(DropSessionOver)
		}
	}
	r.attempts++
	d.withBackupAccess(func() {
		if r.stamped {
			d.bus.Write32(d.cfg.Store.attemptTimeAddr(d.f), now)
		}
		d.bus.Write32(d.cfg.Store.wordAddr(d.f), r.encode())
	})
	st.Mode, st.Attempt = Bootloader, r.attempts
	d.enterROM(true)
	return st
}

// JumpToBootloaderDirect is the seed's method, kept for comparison: from
// the running application, disable interrupts, put RCC back to HSI, stop
// SysTick, clear the NVIC, reset OTG_FS, map system flash at 0, re-enable
// interrupts (as ST's jump-to-bootloader FAQ does) and jump to the ROM. It
// leaves everything else the application set up (GPIO, other peripheral
// clocks, DMA, the backup domain) and stores no request, so when the ROM
// misses the crystal and resets the chip the application simply starts
// again. On silicon it does not return.
func (d *Device) JumpToBootloaderDirect() {
	d.cpu.DisableInterrupts()
	d.enterROM(false)
}

// enterROM performs the AN2606 "jump to system memory" steps and jumps,
// with the family's registers. clean (from EarlyStartup, after a reset)
// also turns every peripheral clock back to its reset value.
func (d *Device) enterROM(clean bool) {
	b, r := d.bus, &d.f.r
	// RCC to reset state (RM0090 7.3.1-7.3.4; RM0433 8.7; RM0351 6.4):
	// the reset oscillator (HSI; MSI on L4) on and ready and SYSCLK
	// from it, then the PLLs, HSE and CSS off (an oscillator feeding
	// SYSCLK cannot be stopped, so the order matters), the PLL
	// configuration to its reset value, clock interrupts disabled and
	// their flags cleared.
	b.Write32(r.cr, b.Read32(r.cr)|r.crOscOn)
	d.poll(r.cr, r.crOscRdy, r.crOscRdy)
	b.Write32(r.cfgr, 0)
	d.poll(r.cfgr, r.cfgrSWS, 0)
	b.Write32(r.cr, b.Read32(r.cr)&^(r.crHSEOn|r.crCSS|r.crPLLs))
	b.Write32(r.cr, b.Read32(r.cr)&^r.crHSEByp) // writable only once HSE is off
	for _, w := range r.pllRegs {
		b.Write32(w.addr, w.v)
	}
	for _, w := range r.clockIRQOff {
		b.Write32(w.addr, w.v)
	}
	// SysTick off (PM0214 4.5).
	b.Write32(stkCTRL, 0)
	b.Write32(stkLOAD, 0)
	b.Write32(stkVAL, 0)
	// Every NVIC interrupt disabled and un-pended (PM0214 4.2: ICER0-7,
	// ICPR0-7).
	for i := range uint32(8) {
		b.Write32(nvicICER+4*i, 0xFFFFFFFF)
		b.Write32(nvicICPR+4*i, 0xFFFFFFFF)
	}
	// USB OTG_FS: RCC peripheral reset (a GRSTCTL core soft reset leaves
	// the core's configuration registers set), then its clock off.
	b.Write32(r.otgRSTR, b.Read32(r.otgRSTR)|r.otgBit)
	b.Write32(r.otgRSTR, b.Read32(r.otgRSTR)&^r.otgBit)
	b.Write32(r.otgENR, b.Read32(r.otgENR)&^r.otgBit)
	if clean {
		if d.cfg.Store.backup {
			d.pwrClock()
			b.Write32(r.pwrCR, b.Read32(r.pwrCR)&^r.pwrDBP) // re-protect the backup domain
		}
		for _, w := range r.enrReset {
			b.Write32(w.addr, w.v)
		}
	}
	// System flash at 0x00000000 (RM0090 9.2.1, RM0351 9.2.1:
	// SYSCFG_MEMRMP MEM_MODE=001); SYSCFG needs its clock for the write.
	// F7 and H7 branch directly.
	if d.f.Remap {
		b.Write32(r.syscfgENR, b.Read32(r.syscfgENR)|r.syscfgENBit)
		d.cpu.DSB()
		b.Write32(r.syscfgR, b.Read32(r.syscfgR)&^r.memModeMask|memModeSystemFlash)
	}
	d.cpu.DSB()
	d.cpu.ISB()
	if !clean {
		d.cpu.EnableInterrupts()
	}
	// AN2606: MSP from the first word of system memory, then jump to the
	// second.
	sp, pc := b.Read32(d.f.SystemMemory), b.Read32(d.f.SystemMemory+4)
	d.cpu.SetMSP(sp)
	d.cpu.Jump(pc)
}

// pwrClock turns the PWR clock on where the family has an enable.
func (d *Device) pwrClock() {
	if r := &d.f.r; r.pwrENR != 0 {
		d.bus.Write32(r.pwrENR, d.bus.Read32(r.pwrENR)|r.pwrENBit)
	}
}

// poll waits (bounded) until Read32(addr)&mask == want.
func (d *Device) poll(addr, mask, want uint32) bool {
	for range pollLimit {
		if d.bus.Read32(addr)&mask == want {
			return true
		}
	}
	return false
}

// withBackupAccess runs f with the backup domain writable (the PWR clock
// where the family has an enable, then PWR_CR/PWR_CR1 DBP) when the store
// is a backup register, and restores both afterwards.
func (d *Device) withBackupAccess(f func()) {
	if !d.cfg.Store.backup {
		f()
		return
	}
	r := &d.f.r
	var enr uint32
	if r.pwrENR != 0 {
		enr = d.bus.Read32(r.pwrENR)
		d.bus.Write32(r.pwrENR, enr|r.pwrENBit)
	}
	cr := d.bus.Read32(r.pwrCR)
	d.bus.Write32(r.pwrCR, cr|r.pwrDBP)
	d.cpu.DSB()
	f()
	d.bus.Write32(r.pwrCR, cr)
	if r.pwrENR != 0 {
		d.bus.Write32(r.pwrENR, enr)
	}
}
