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
	// SystemMemory is the ROM bootloader's address (its initial stack
	// pointer, then its reset vector), part.Family.Entry.SystemMemory: 0
	// means 0x1FFF0000 (STM32F2, STM32F4); 0x1FF00000 on STM32F7.
	SystemMemory uint32
	// DirectBranch is true where the firmware branches to the ROM without
	// mapping system memory at 0 (part.Entry.Remap false: STM32F7).
	//
	// The register map here (RCC, PWR, RTC, SYSCFG, OTG_FS) is RM0090's,
	// which STM32F2 (RM0033) and STM32F7 (RM0410) share; STM32H7 and
	// STM32L4 have other RCC and PWR addresses and are not served by this
	// package.
	DirectBranch bool
}

// Device is the run-mode and bootloader-entry logic of one chip.
type Device struct {
	bus Bus
	cpu CPU
	cfg Config
}

// New checks cfg and returns a Device using bus and cpu.
func New(bus Bus, cpu CPU, cfg Config) (*Device, error) {
	if bus == nil || cpu == nil {
		return nil, fmt.Errorf("stm32f4: New needs a Bus and a CPU")
	}
	if err := cfg.Store.check(); err != nil {
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
	switch cfg.SystemMemory {
	case 0:
		cfg.SystemMemory = sysMem
	case sysMem, sysMemF7:
	default:
		return nil, fmt.Errorf("stm32f4: system memory 0x%08X is neither 0x%08X (STM32F2/F4) nor 0x%08X (STM32F7); other families need their own register map", cfg.SystemMemory, uint32(sysMem), uint32(sysMemF7))
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
	return &Device{bus: bus, cpu: cpu, cfg: cfg}, nil
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
	r, ok := decodeRequest(d.bus.Read32(d.cfg.Store.wordAddr()))
	return r.mode, ok
}

// storeRequest writes r, with a fresh RTC stamp when the store has one.
func (d *Device) storeRequest(r request) {
	d.withBackupAccess(func() {
		if d.cfg.Store.backup {
			if now, ok := d.rtcMillis(); ok {
				r.stamped = true
				d.bus.Write32(d.cfg.Store.requestTimeAddr(), now)
			}
		}
		d.bus.Write32(d.cfg.Store.wordAddr(), r.encode())
	})
}

func (d *Device) writeRequest(w uint32) {
	d.withBackupAccess(func() { d.bus.Write32(d.cfg.Store.wordAddr(), w) })
}

// Reset performs a system reset (microcontroller.reset): a pending request
// is restamped (its age counts from now, with a fresh attempt count), then
// SCB_AIRCR is written with VECTKEY and SYSRESETREQ. On silicon it does not
// return; in a simulator it returns after the chip has reset.
func (d *Device) Reset() {
	if r, ok := decodeRequest(d.bus.Read32(d.cfg.Store.wordAddr())); ok && r.mode != Normal {
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
	// ResetFlags are RCC_CSR bits 31:25 as found; EarlyStartup clears
	// them (RMVF) so that the next start-up sees only its own cause.
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
	csr := d.bus.Read32(rccCSR)
	d.bus.Write32(rccCSR, csr|csrRMVF)
	st := Startup{Mode: Normal, ResetFlags: csr & csrFlags}

	r, ok := decodeRequest(d.bus.Read32(d.cfg.Store.wordAddr()))
	if !ok {
		return st
	}
	drop := func(why Drop) Startup {
		d.writeRequest(0)
		st.Dropped = why
		return st
	}
	if csr&csrSFTRSTF == 0 || csr&(csrPORRSTF|csrBORRSTF) != 0 {
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
		if age(now, d.bus.Read32(d.cfg.Store.requestTimeAddr())) > d.cfg.MaxAge {
			return drop(DropStale)
		}
		if r.attempts > 0 && age(now, d.bus.Read32(d.cfg.Store.attemptTimeAddr())) > d.cfg.RetryWindow {
			return drop(DropSessionOver)
		}
	}
	r.attempts++
	d.withBackupAccess(func() {
		if r.stamped {
			d.bus.Write32(d.cfg.Store.attemptTimeAddr(), now)
		}
		d.bus.Write32(d.cfg.Store.wordAddr(), r.encode())
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

// enterROM performs the AN2606 "jump to system memory" steps and jumps.
// clean (from EarlyStartup, after a reset) also turns every peripheral
// clock back to its reset value.
func (d *Device) enterROM(clean bool) {
	b := d.bus
	// RCC to reset state (RM0090 7.3.1-7.3.4): HSI on and ready, SYSCLK
	// from HSI, then PLL/PLLI2S/HSE/CSS off (an oscillator feeding SYSCLK
	// cannot be stopped, so the order matters), PLLCFGR to its reset
	// value, clock interrupts disabled and their flags cleared.
	b.Write32(rccCR, b.Read32(rccCR)|crHSION)
	d.poll(rccCR, crHSIRDY, crHSIRDY)
	b.Write32(rccCFGR, 0)
	d.poll(rccCFGR, cfgrSWSMask, 0)
	b.Write32(rccCR, b.Read32(rccCR)&^(crHSEON|crCSSON|crPLLON|crPLLI2S))
	b.Write32(rccCR, b.Read32(rccCR)&^crHSEBYP) // writable only once HSE is off
	b.Write32(rccPLLCFGR, pllcfgrReset)
	b.Write32(rccCIR, 0x00BF0000) // IE bits 0; write-1 clears LSIRDYC..PLLI2SRDYC, CSSC
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
	b.Write32(rccAHB2RSTR, b.Read32(rccAHB2RSTR)|ahb2OTGFS)
	b.Write32(rccAHB2RSTR, b.Read32(rccAHB2RSTR)&^ahb2OTGFS)
	b.Write32(rccAHB2ENR, b.Read32(rccAHB2ENR)&^ahb2OTGFS)
	if clean {
		if d.cfg.Store.backup {
			b.Write32(rccAPB1ENR, b.Read32(rccAPB1ENR)|apb1PWREN)
			b.Write32(pwrCR, b.Read32(pwrCR)&^pwrCRDBP) // re-protect the backup domain
		}
		b.Write32(rccAHB1ENR, ahb1enrReset)
		b.Write32(rccAHB2ENR, 0)
		b.Write32(rccAPB1ENR, 0)
		b.Write32(rccAPB2ENR, 0)
	}
	// System flash at 0x00000000 (RM0090 9.2.1 SYSCFG_MEMRMP MEM_MODE=01);
	// SYSCFG needs its clock for the write. STM32F7 branches directly.
	if !d.cfg.DirectBranch {
		b.Write32(rccAPB2ENR, b.Read32(rccAPB2ENR)|apb2SYSCFGEN)
		d.cpu.DSB()
		b.Write32(syscfgMEMRMP, b.Read32(syscfgMEMRMP)&^3|memModeSystemFlash)
	}
	d.cpu.DSB()
	d.cpu.ISB()
	if !clean {
		d.cpu.EnableInterrupts()
	}
	// AN2606: MSP from the first word of system memory, then jump to the
	// second.
	sp, pc := b.Read32(d.cfg.SystemMemory), b.Read32(d.cfg.SystemMemory+4)
	d.cpu.SetMSP(sp)
	d.cpu.Jump(pc)
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

// withBackupAccess runs f with the backup domain writable (RCC APB1ENR
// PWREN, PWR_CR DBP) when the store is a backup register, and restores
// both afterwards.
func (d *Device) withBackupAccess(f func()) {
	if !d.cfg.Store.backup {
		f()
		return
	}
	apb1 := d.bus.Read32(rccAPB1ENR)
	d.bus.Write32(rccAPB1ENR, apb1|apb1PWREN)
	cr := d.bus.Read32(pwrCR)
	d.bus.Write32(pwrCR, cr|pwrCRDBP)
	d.cpu.DSB()
	f()
	d.bus.Write32(pwrCR, cr)
	d.bus.Write32(rccAPB1ENR, apb1)
}
