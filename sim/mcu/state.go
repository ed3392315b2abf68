package mcu

import "fmt"

// Running says what the simulated CPU is executing.
type Running uint8

// What the CPU can be running.
const (
	// Off: the chip has no power (before PowerOn, after PowerOff).
	Off Running = iota
	// Application: code from main flash (reached from reset or by a jump).
	Application
	// ROMBootloader: ST's system-memory bootloader passed its checks and
	// HSE detection and is serving USB DFU.
	ROMBootloader
	// Hung: the CPU faulted or sits in a loop it will not leave; State.Fault
	// says why.
	Hung
)

// String returns "off", "application", "rom-bootloader" or "hung".
func (r Running) String() string {
	switch r {
	case Off:
		return "off"
	case Application:
		return "application"
	case ROMBootloader:
		return "rom-bootloader"
	case Hung:
		return "hung"
	}
	return fmt.Sprintf("Running(%d)", uint8(r))
}

// Fault names why the CPU hung. The first group are the AN2606 entry
// preconditions the ROM model judges; the rest are CPU-level faults.
type Fault uint8

// Faults.
const (
	FaultNone Fault = iota
	// FaultPLLOn: the main PLL is still on (RCC_CR PLLON). The ROM sets up
	// the PLL for the 48 MHz USB clock itself and cannot while it runs.
	FaultPLLOn
	// FaultSysclkNotHSI: SYSCLK is not the HSI (RCC_CFGR SWS != 00); the
	// ROM measures the crystal against the 16 MHz HSI.
	FaultSysclkNotHSI
	// FaultHSEOn: the HSE oscillator was left on (RCC_CR HSEON).
	FaultHSEOn
	// FaultClockInterrupts: RCC clock-ready interrupts enabled (RCC_CIR).
	FaultClockInterrupts
	// FaultSysTickRunning: SysTick counter or its interrupt enabled
	// (STK_CTRL ENABLE/TICKINT); its handler in the ROM's table is not ours.
	FaultSysTickRunning
	// FaultIRQEnabled: an NVIC interrupt is still enabled (NVIC_ISERx).
	FaultIRQEnabled
	// FaultIRQPending: an NVIC interrupt is still pending (NVIC_ISPRx).
	FaultIRQPending
	// FaultInterruptsMasked: PRIMASK is set (cpsid i without cpsie i): the
	// ROM's USB interrupt never runs (UNVERIFIED whether every ROM version
	// re-enables interrupts itself; ST's jump-to-bootloader FAQ re-enables
	// them before the jump).
	FaultInterruptsMasked
	// FaultUSBNotReset: the OTG_FS core still holds the application's
	// configuration; only an RCC peripheral reset (AHB2RSTR OTGFSRST) or a
	// system reset clears it, a core soft reset (GRSTCTL CSRST) does not.
	FaultUSBNotReset
	// FaultStack: MSP is not the ROM's initial stack pointer (the word at
	// 0x1FFF0000).
	FaultStack
	// FaultNotRemapped: system flash is not mapped at 0x00000000
	// (SYSCFG_MEMRMP MEM_MODE != 01). The model assumes the ROM takes its
	// vector table from address 0, as after a BOOT0 boot (UNVERIFIED: the
	// ROM might set VTOR itself; AN2606-based examples remap first).
	FaultNotRemapped

	// FaultBadJump: a jump to an address with no code (not main flash, not
	// the ROM entry).
	FaultBadJump
	// FaultNotThumb: a jump to an even address (Thumb bit clear): INVSTATE
	// usage fault.
	FaultNotThumb
	// FaultNoApplication: the vector table at the boot address is erased
	// or not plausible (MSP not in RAM, reset handler not in flash).
	FaultNoApplication
	// FaultBusFault: a read or write of an address the model does not map.
	FaultBusFault
	// FaultResetLoop: the chip kept resetting or jumping without settling
	// (more than Config.MaxSteps events).
	FaultResetLoop
)

var faultNames = [...]string{
	FaultNone:             "none",
	FaultPLLOn:            "pll-on",
	FaultSysclkNotHSI:     "sysclk-not-hsi",
	FaultHSEOn:            "hse-on",
	FaultClockInterrupts:  "rcc-clock-interrupts",
	FaultSysTickRunning:   "systick-running",
	FaultIRQEnabled:       "irq-enabled",
	FaultIRQPending:       "irq-pending",
	FaultInterruptsMasked: "interrupts-masked",
	FaultUSBNotReset:      "usb-not-reset",
	FaultStack:            "msp-not-rom-stack",
	FaultNotRemapped:      "system-flash-not-mapped",
	FaultBadJump:          "bad-jump",
	FaultNotThumb:         "not-thumb",
	FaultNoApplication:    "no-application",
	FaultBusFault:         "bus-fault",
	FaultResetLoop:        "reset-loop",
}

// String returns a short stable name such as "pll-on".
func (f Fault) String() string {
	if int(f) < len(faultNames) {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", uint8(f))
}

// State is what the CPU runs now and, if it hung, why.
type State struct {
	Running Running
	// Fault is FaultNone unless Running is Hung.
	Fault Fault
	// Detail is a one-line human explanation (registers, addresses).
	Detail string
}

// String describes the state in one line, e.g. "hung: pll-on: RCC_CR=...".
func (s State) String() string {
	if s.Running != Hung {
		return s.Running.String()
	}
	return fmt.Sprintf("hung: %s: %s", s.Fault, s.Detail)
}

// EntryError is a violated ROM entry precondition (see Chip.ROMEntryCheck).
type EntryError struct {
	Fault  Fault
	Detail string
}

// Error returns "ROM entry: <fault>: <detail>".
func (e *EntryError) Error() string { return fmt.Sprintf("ROM entry: %s: %s", e.Fault, e.Detail) }

// StartCause says how the application was started (Hooks.AppStart).
type StartCause uint8

// Start causes.
const (
	// StartReset: the CPU came out of reset and fetched the vector table.
	StartReset StartCause = iota
	// StartJump: code (usually the ROM on DFU leave) jumped to the
	// application without a reset; no reset flag is new.
	StartJump
)

// String returns "reset" or "jump".
func (c StartCause) String() string {
	if c == StartJump {
		return "jump"
	}
	return "reset"
}

// Stats counts events since New.
type Stats struct {
	PowerOns     int
	SystemResets int // software, pin and watchdog resets, including the ROM's
	AppStarts    int
	ROMEntries   int // jumps or boots into the ROM entry point
	HSEMisses    int // ROM starts that missed the crystal and reset the chip
}
