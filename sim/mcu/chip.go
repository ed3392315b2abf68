package mcu

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Hooks are the board's callbacks. Each runs inside the chip's event loop:
// it may read and write registers, call Jump or write SCB_AIRCR; the chip
// performs the resulting reset or jump after the hook returns.
type Hooks struct {
	// AppStart runs the application firmware from its reset handler: the
	// CPU has loaded MSP and PC from the application's vector table (after
	// a reset with BOOT0 low) or some code jumped there. Nil: the
	// application just runs (State is Application).
	AppStart func(c *Chip, cause StartCause)
	// ROMRunning is called when the ROM bootloader has passed its entry
	// checks and HSE detection and now serves USB DFU (attach the DfuSe
	// gadget here).
	ROMRunning func(c *Chip)
	// Stopped is called when the CPU hangs or loses power.
	Stopped func(c *Chip, s State)
	// Reset is called at every reset, after the registers took their
	// reset values and before the CPU boots (a USB device the board
	// exposed is gone at this point). It must not touch registers.
	Reset func(c *Chip, cause ResetCause)
}

// ResetCause is the kind of reset the chip went through.
type ResetCause uint8

// Reset causes.
const (
	// ResetPowerOn: PowerOn.
	ResetPowerOn ResetCause = iota
	// ResetSoftware: SCB_AIRCR SYSRESETREQ, by the application or the ROM
	// (SystemReset).
	ResetSoftware
	// ResetPin: the NRST pin (Chip.PinReset).
	ResetPin
	// ResetWatchdog: the independent watchdog expired (RCC_CSR IWDGRSTF).
	ResetWatchdog
)

// String returns "power-on", "software", "pin" or "watchdog".
func (r ResetCause) String() string {
	switch r {
	case ResetPowerOn:
		return "power-on"
	case ResetSoftware:
		return "software"
	case ResetPin:
		return "pin"
	case ResetWatchdog:
		return "watchdog"
	}
	return fmt.Sprintf("ResetCause(%d)", uint8(r))
}

// Config builds a Chip.
type Config struct {
	// HSE is the board's crystal and the ROM's detection of it.
	HSE HSE
	// Rand decides HSE detection misses. Required when
	// HSE.MissProbability > 0; pass a seeded source so runs repeat.
	Rand *rand.Rand
	// VBAT keeps the backup domain (RCC_BDCR, RTC, backup registers)
	// powered across PowerOff/PowerOn, as a coin cell on VBAT would.
	VBAT bool
	// ROMStack and ROMEntry are the first two words of system memory
	// (initial MSP and reset handler of the ROM bootloader). Zero means
	// 0x20002F48 and 0x1FFF3A05 (UNVERIFIED placeholders: the real values
	// depend on the ROM version; only their roles matter here).
	ROMStack, ROMEntry uint32
	// Family is the register map the chip shows (FamilyF4 by default);
	// it also gives SystemMemory and DirectBranch their defaults.
	Family Family
	// SystemMemory is where the ROM's vector words are: 0 means the
	// family's (Family.SystemMemory: 0x1FFF0000 on STM32F2/F4, L4, G0,
	// G4, WB; 0x1FF00000 on STM32F7, 0x1FF09800 on STM32H7, AN2606). A
	// zero ROMEntry is then SystemMemory+0x3A05 (a placeholder like
	// DefaultROMEntry).
	SystemMemory uint32
	// DirectBranch is true on the families whose firmware branches to
	// the ROM without mapping system memory at 0 (STM32F7, STM32H7,
	// part.Entry.Remap false; Family.DirectBranch sets it too): the ROM
	// entry check then does not ask for SYSCFG_MEMRMP MEM_MODE=01.
	DirectBranch bool
	// Flash reads a word of main flash (0x08000000..). Nil means a flash
	// holding a plausible application vector table (MSP 0x20020000, reset
	// handler 0x080001C1) and zeros elsewhere.
	Flash func(addr uint32) uint32
	// Hooks are the board's callbacks.
	Hooks Hooks
	// MaxSteps bounds resets plus jumps in one settle before the chip is
	// declared hung in a reset loop. Zero means 10000.
	MaxSteps int
	// ResetTime is the simulated time a reset takes until the first
	// instruction (NRST pulse, option-byte load, HSI start). Zero means
	// 1 ms (UNVERIFIED).
	ResetTime time.Duration
}

// Default ROM vector words, UNVERIFIED placeholders (see Config).
const (
	DefaultROMStack = 0x20002F48
	DefaultROMEntry = 0x1FFF3A05
)

type actionKind uint8

const (
	actNone actionKind = iota
	actReset
	actJump
)

type action struct {
	kind  actionKind
	flags uint32 // reset: RCC_CSR flags to add
	pc    uint32 // jump target
}

// Chip is a simulated STM32F405-class microcontroller core. It implements
// the Bus and CPU interfaces of package target/stm32f4 (Read32, Write32,
// DisableInterrupts, EnableInterrupts, SetMSP, Jump, WaitForReset, DSB,
// ISB).
type Chip struct {
	cfg   Config
	state State
	stats Stats
	now   time.Duration
	boot0 bool

	// CPU.
	msp     uint32
	primask bool
	pending action
	inLoop  bool

	// fmap is the family's register map (nil: the F4's).
	fmap *famMap

	// Registers of the system-reset domain, by address.
	regs       map[uint32]uint32
	nvicEnable [8]uint32
	nvicPend   [8]uint32

	// Backup domain.
	bdcr     uint32
	bkp      [rtcBKPMax]uint32
	bkpN     int // backup registers the family has
	rtcISR   uint32
	rtcPRER  uint32
	rtcWPR   int // 0 locked, 1 after 0xCA, 2 unlocked
	rtcBase  time.Time
	rtcSetAt time.Duration // chip time when rtcBase was current
	csr      uint32

	wdg iwdg

	// Memory.
	ram   map[uint32]uint32
	epoch uint64 // power-on count, seeds RAM garbage
}

// New returns a chip with no power (State Off). Call PowerOn to start it.
func New(cfg Config) (*Chip, error) {
	if cfg.HSE.MissProbability < 0 || cfg.HSE.MissProbability > 1 {
		return nil, fmt.Errorf("mcu: HSE miss probability %v is not in [0,1]", cfg.HSE.MissProbability)
	}
	if cfg.HSE.MissProbability > 0 && cfg.Rand == nil {
		return nil, fmt.Errorf("mcu: HSE miss probability %v needs Config.Rand (a seeded source)", cfg.HSE.MissProbability)
	}
	if cfg.ROMStack == 0 {
		cfg.ROMStack = DefaultROMStack
	}
	if cfg.Family > FamilyL4 {
		return nil, fmt.Errorf("mcu: family %s is not modelled: use FamilyF4, FamilyF7, FamilyH7 or FamilyL4", cfg.Family)
	}
	if cfg.SystemMemory == 0 {
		cfg.SystemMemory = cfg.Family.SystemMemory()
	}
	cfg.DirectBranch = cfg.DirectBranch || cfg.Family.DirectBranch()
	if cfg.ROMEntry == 0 {
		cfg.ROMEntry = DefaultROMEntry - sysMemBase + cfg.SystemMemory
	}
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = 10000
	}
	if cfg.ResetTime <= 0 {
		cfg.ResetTime = time.Millisecond
	}
	c := &Chip{cfg: cfg, regs: map[uint32]uint32{}, ram: map[uint32]uint32{}, fmap: cfg.Family.regMap(), bkpN: cfg.Family.backupRegisters()}
	c.resetBackupDomain()
	return c, nil
}

// State returns what the CPU runs now.
func (c *Chip) State() State { return c.state }

// Stats returns event counts since New.
func (c *Chip) Stats() Stats { return c.stats }

// Now returns simulated time since New.
func (c *Chip) Now() time.Duration { return c.now }

// MSP returns the main stack pointer.
func (c *Chip) MSP() uint32 { return c.msp }

// InterruptsMasked reports PRIMASK.
func (c *Chip) InterruptsMasked() bool { return c.primask }

// SetBOOT0 sets the BOOT0 pin level seen at the next reset (high: boot the
// ROM bootloader from system memory).
func (c *Chip) SetBOOT0(high bool) { c.boot0 = high }

// PowerOn applies power: a power-on reset, then boot. It returns the state
// the chip settled in.
func (c *Chip) PowerOn() State {
	c.stats.PowerOns++
	c.epoch++
	clear(c.ram)
	if !c.cfg.VBAT {
		c.resetBackupDomain()
	}
	c.csr = csrPORRSTF | csrPINRSTF | csrBORRSTF
	c.pending = action{kind: actReset}
	c.run()
	return c.state
}

// PowerOff removes power. RAM is lost; the backup domain too unless VBAT.
func (c *Chip) PowerOff() {
	c.pending = action{}
	c.setState(State{Running: Off})
}

// SystemReset resets the chip as SCB_AIRCR SYSRESETREQ does (RCC_CSR
// gains SFTRSTF and PINRSTF) and boots. It returns the settled state. When
// called from inside a hook it only schedules the reset.
func (c *Chip) SystemReset() State {
	if c.state.Running == Off {
		return c.state
	}
	c.pending = action{kind: actReset, flags: csrSFTRSTF | csrPINRSTF}
	c.run()
	return c.state
}

// PinReset resets the chip from the NRST pin (RCC_CSR gains PINRSTF) and
// boots. It returns the settled state.
func (c *Chip) PinReset() State {
	if c.state.Running == Off {
		return c.state
	}
	c.pending = action{kind: actReset, flags: csrPINRSTF}
	c.run()
	return c.state
}

// DisableInterrupts sets PRIMASK (cpsid i).
func (c *Chip) DisableInterrupts() { c.primask = true }

// EnableInterrupts clears PRIMASK (cpsie i).
func (c *Chip) EnableInterrupts() { c.primask = false }

// SetMSP loads the main stack pointer.
func (c *Chip) SetMSP(sp uint32) {
	if c.pending.kind == actNone {
		c.msp = sp
	}
}

// DSB is a data synchronisation barrier (nothing to do in the model).
func (c *Chip) DSB() {}

// ISB is an instruction synchronisation barrier (nothing to do).
func (c *Chip) ISB() {}

// Jump branches to pc (bit 0 is the Thumb bit). On silicon it never
// returns; here it schedules the jump, and returns at once when called
// from inside a hook (the caller must return too), or performs it and
// everything that follows until the chip settles when called from outside.
func (c *Chip) Jump(pc uint32) {
	if c.pending.kind != actNone || c.state.Running == Off || c.state.Running == Hung {
		return
	}
	c.pending = action{kind: actJump, pc: pc}
	c.run()
}

// WaitForReset is what code does after requesting a system reset (on
// silicon: spin until the reset hits). Here it performs a pending reset
// when called from outside a hook.
func (c *Chip) WaitForReset() { c.run() }

// run performs pending resets and jumps until the chip settles. Nested
// calls (from hooks) return at once; the outer loop continues.
func (c *Chip) run() {
	if c.inLoop {
		return
	}
	c.inLoop = true
	defer func() { c.inLoop = false }()
	for steps := 0; ; steps++ {
		act := c.pending
		if act.kind == actNone {
			return
		}
		if steps >= c.cfg.MaxSteps {
			c.pending = action{}
			c.hang(FaultResetLoop, fmt.Sprintf("%d resets and jumps without settling", steps))
			return
		}
		c.pending = action{}
		switch act.kind {
		case actReset:
			c.reset(act.flags)
		case actJump:
			c.jump(act.pc)
		}
	}
}

func (c *Chip) setState(s State) {
	c.state = s
	if (s.Running == Hung || s.Running == Off) && c.cfg.Hooks.Stopped != nil {
		c.cfg.Hooks.Stopped(c, s)
	}
}

func (c *Chip) hang(f Fault, detail string) {
	c.pending = action{}
	c.setState(State{Running: Hung, Fault: f, Detail: detail})
}

// reset puts the system-reset domain back to its reset values, adds flags
// to RCC_CSR and boots from the BOOT0-selected memory.
func (c *Chip) reset(flags uint32) {
	if flags != 0 {
		c.stats.SystemResets++
	}
	c.now += c.cfg.ResetTime
	c.csr = (c.csr & csrFlags) | flags
	clear(c.regs)
	c.regs[rccCR] = crReset
	c.regs[rccPLLCFGR] = pllcfgrReset
	c.regs[rccCFGR] = 0
	c.regs[rccAHB2RSTR] = 0
	for a, v := range rccPlainResetValues {
		c.regs[a] = v
	}
	c.regs[pwrCR] = pwrCRReset
	c.regs[pwrCSR] = 0
	c.regs[stkCTRL] = 0
	c.regs[stkLOAD] = 0
	c.regs[stkVAL] = 0
	c.regs[scbVTOR] = 0
	c.regs[scbAIRCR] = 0
	for a, v := range otgResetValues {
		c.regs[a] = v
	}
	if c.fmap != nil {
		for a, x := range c.fmap.regs {
			c.regs[a] = x.reset
		}
	}
	c.nvicEnable = [8]uint32{}
	c.nvicPend = [8]uint32{}
	c.rtcISR &^= rtcISRRSF // shadow registers must resynchronise
	c.rtcWPR = 0
	c.primask = false
	c.wdg.reset()
	if c.cfg.Hooks.Reset != nil {
		cause := ResetPowerOn
		switch {
		case flags&csrSFTRSTF != 0:
			cause = ResetSoftware
		case flags&csrIWDGRSTF != 0:
			cause = ResetWatchdog
		case flags&csrPINRSTF != 0:
			cause = ResetPin
		}
		c.cfg.Hooks.Reset(c, cause)
	}
	if c.boot0 {
		// BOOT0 high, BOOT1 low: system memory aliased at 0.
		c.regs[syscfgMEMRMP] = memModeSystemFlash
		c.msp = c.cfg.ROMStack
		c.stats.ROMEntries++
		c.startROM()
		return
	}
	c.regs[syscfgMEMRMP] = memModeMainFlash
	sp, pc := c.flashWord(flashBase), c.flashWord(flashBase+4)
	if err := plausibleVectors(sp, pc); err != "" {
		c.hang(FaultNoApplication, err)
		return
	}
	c.msp = sp
	c.startApp(StartReset)
}

func plausibleVectors(sp, pc uint32) string {
	inRAM := (sp > sramBase && sp <= sramBase+sramSize) || (sp > ccmBase && sp <= ccmBase+ccmSize)
	if !inRAM || sp&3 != 0 {
		return fmt.Sprintf("vector table at 0x%08X: initial MSP 0x%08X is not a RAM address (flash erased or no image)", flashBase, sp)
	}
	if pc&1 == 0 || pc < flashBase || pc >= flashBase+flashSize {
		return fmt.Sprintf("vector table at 0x%08X: reset handler 0x%08X is not a Thumb address in flash", flashBase, pc)
	}
	return ""
}

func (c *Chip) startApp(cause StartCause) {
	c.stats.AppStarts++
	c.setState(State{Running: Application})
	if c.cfg.Hooks.AppStart != nil {
		c.cfg.Hooks.AppStart(c, cause)
	}
}

// jump performs a branch to pc.
func (c *Chip) jump(pc uint32) {
	if pc&1 == 0 {
		c.hang(FaultNotThumb, fmt.Sprintf("jump to 0x%08X with the Thumb bit clear (INVSTATE usage fault)", pc))
		return
	}
	addr := pc &^ 1
	romEntry := c.cfg.ROMEntry &^ 1
	mode := c.regs[syscfgMEMRMP] & memModeMask
	switch {
	case addr == romEntry || (addr < aliasSize && mode == memModeSystemFlash && c.cfg.SystemMemory+addr == romEntry):
		c.stats.ROMEntries++
		c.startROM()
	case addr >= flashBase && addr < flashBase+flashSize,
		addr < aliasSize && mode == memModeMainFlash:
		c.startApp(StartJump)
	default:
		c.hang(FaultBadJump, fmt.Sprintf("jump to 0x%08X: no code there (not main flash, not the ROM entry 0x%08X)", pc, c.cfg.ROMEntry))
	}
}

// startROM runs the ROM model from its entry point.
func (c *Chip) startROM() {
	if err := c.ROMEntryCheck(); err != nil {
		e := err.(*EntryError)
		c.hang(e.Fault, e.Detail)
		return
	}
	if c.hseMiss() {
		c.stats.HSEMisses++
		// The ROM gives up on the crystal and resets the chip
		// (NVIC_SystemReset: a software reset).
		c.pending = action{kind: actReset, flags: csrSFTRSTF | csrPINRSTF}
		return
	}
	c.setState(State{Running: ROMBootloader})
	if c.cfg.Hooks.ROMRunning != nil {
		c.cfg.Hooks.ROMRunning(c)
	}
}
