package sim

import (
	"fmt"

	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
)

// The boot flow. Every board has an mcu.Chip, and the chip decides what
// runs: power-on and the reset button reset it; after a reset it boots the
// ROM (BOOT0 high) or the vector table at the flash base; the ROM model
// judges AN2606's entry preconditions and then looks for the crystal,
// resetting the chip on a miss; DfuSe leave is a jump. The chip's hooks
// attach what the board shows on USB: the ROM's DfuSe gadget when the chip
// reports the ROM running, an application persona's gadget (or nothing)
// when an application starts, nothing when the CPU hangs.
//
// One clock: the board's Clock is the time; the chip's own time is brought
// up to it before every event (Chip.Advance, so the RTC and the watchdog
// see it), and what the chip spends (reset pulses, crystal detection)
// advances the board's Clock afterwards.

// firmwareFamily is the register map of the board's chip and the family
// its firmware's run-mode library is built for: the part's family where
// both model it (STM32F2, F4, F7, H7, L4 and the F4 clones); the F4's for
// STM32G0, G4 and WB, whose own registers are not modelled (their boards
// enter the ROM as an F4 would, which says nothing about those families).
func (b *Board) firmwareFamily() (mcu.Family, *stm32f4.Family) {
	switch b.model.Part.Chip.Family.Name {
	case "STM32F7":
		return mcu.FamilyF7, stm32f4.F7
	case "STM32H7":
		return mcu.FamilyH7, stm32f4.H7
	case "STM32L4":
		return mcu.FamilyL4, stm32f4.L4
	case "STM32F2":
		return mcu.FamilyF4, stm32f4.F2
	}
	return mcu.FamilyF4, stm32f4.F4
}

// newChip builds the board's chip and the run-mode library its firmware
// uses. The request word lives in RTC backup register 0.
func (b *Board) newChip() error {
	chipFamily, fwFamily := b.firmwareFamily()
	chip, err := mcu.New(mcu.Config{
		HSE:    mcu.HSE{Hz: uint32(b.model.HSEMHz) * 1_000_000, DetectTimeout: b.rom.HSEDetectTimeout, MissProbability: b.rom.HSEMissProbability},
		Rand:   b.rng,
		Family: chipFamily,
		Flash:  b.chipFlashWord,
		Hooks: mcu.Hooks{
			Reset:      b.onReset,
			AppStart:   b.onAppStart,
			ROMRunning: b.onROMRunning,
			Stopped:    b.onStopped,
		},
	})
	if err != nil {
		return fmt.Errorf("sim: board %s: %w", b.model.Name, err)
	}
	fw, err := stm32f4.New(chip, chip, stm32f4.Config{Store: stm32f4.BackupRegister(0), Family: fwFamily})
	if err != nil {
		return fmt.Errorf("sim: board %s: %w", b.model.Name, err)
	}
	chip.SetBOOT0(b.boot0)
	b.chip, b.fw = chip, fw
	return nil
}

// powerOn applies power to the board.
func (b *Board) powerOn() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onChip(func() { b.chip.PowerOn() })
}

// onChip runs f against the chip on the board's time. Call with b.mu held.
func (b *Board) onChip(f func()) {
	if lag := b.clock.Elapsed() - b.chip.Now(); lag > 0 {
		b.chip.Advance(lag)
	}
	before := b.chip.Now()
	f()
	if d := b.chip.Now() - before; d > 0 {
		_ = b.clock.advance(d)
	}
}

// chipFlashWord is how the chip reads main flash. The chip model knows one
// memory map (the F405's); the board judges the vector table with its own
// part's map at reset (onReset) and shows the chip either a table it
// accepts or erased flash.
func (b *Board) chipFlashWord(addr uint32) uint32 {
	switch addr {
	case b.part.FlashBase:
		if b.hangReason != "" {
			return 0xFFFFFFFF
		}
		return 0x20020000 // the chip model's end of SRAM
	case b.part.FlashBase + 4:
		if b.hangReason != "" {
			return 0xFFFFFFFF
		}
		pc, _ := b.mem.word(addr)
		return pc
	}
	w, _ := b.mem.word(addr)
	return w
}

// onReset: the board leaves the bus. RDP level 2 disables booting from
// system memory (RM0090 3.7.3), whatever BOOT0 says.
func (b *Board) onReset(c *mcu.Chip, _ mcu.ResetCause) {
	b.state = RunState{Run: RunOff, Boots: b.state.Boots + 1}
	b.setGadget(nil)
	rom := b.boot0 && b.mem.rdpLevel() != 2
	c.SetBOOT0(rom)
	b.jumpAddr, b.hangReason = b.part.FlashBase, ""
	if !rom {
		b.hangReason = b.checkVectors(b.part.FlashBase)
	}
}

// onAppStart runs the application at b.jumpAddr. Persona firmware starts
// as softdfu's device library says: EarlyStartup first (which may enter
// the ROM), then a CircuitPython-like set-up (PLL from the crystal, USB,
// SysTick, interrupts, RTC); then its USB device enumerates.
func (b *Board) onAppStart(c *mcu.Chip, _ mcu.StartCause) {
	persona := findPersona(b.mem.flash, b.jumpAddr-b.part.FlashBase)
	if p, ok := personas[persona]; ok && p.firmware {
		if b.fw.EarlyStartup().Mode == stm32f4.Bootloader {
			return // the chip jumps to the ROM next
		}
		if b.model.HSEMHz > 0 {
			_ = c.InitApplication(mcu.TypicalApp())
		}
		if c.State().Running != mcu.Application {
			return
		}
	}
	b.state = RunState{Run: RunApp, Persona: persona, Boots: b.state.Boots}
	b.setGadget(newApp(b, persona))
}

// onROMRunning attaches the ROM's DfuSe device.
func (b *Board) onROMRunning(*mcu.Chip) {
	b.state = RunState{Run: RunROM, Boots: b.state.Boots}
	b.setGadget(newROM(b))
}

// onStopped: a hung or unpowered CPU shows nothing on USB.
func (b *Board) onStopped(_ *mcu.Chip, s mcu.State) {
	st := RunState{Run: RunOff, Boots: b.state.Boots}
	if s.Running == mcu.Hung {
		st.Run, st.Reason = RunHung, b.hangReason
		if st.Reason == "" {
			st.Reason = s.String()
		}
	}
	b.state = st
	b.setGadget(nil)
}

// runFirmware runs f as code of the application that presents g (a REPL
// line, a USB request handler) on the board's chip. It reports false, and
// does nothing, when g is no longer the board's device.
func (b *Board) runFirmware(g any, f func(fw *stm32f4.Device, c *mcu.Chip)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gadget == nil || any(b.gadget) != g || b.state.Run != RunApp {
		return false
	}
	b.onChip(func() { f(b.fw, b.chip) })
	return true
}

// RunFirmware runs f as code of the application the board runs now, on
// its chip (for tests and experiments: poke registers, jump, reset). It
// reports false, doing nothing, when no application runs.
func (b *Board) RunFirmware(f func(fw *stm32f4.Device, c *mcu.Chip)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state.Run != RunApp {
		return false
	}
	b.onChip(func() { f(b.fw, b.chip) })
	return true
}

// ChipState returns the state of the board's simulated core (for tests and
// diagnostics: registers judged at ROM entry, faults).
func (b *Board) ChipState() mcu.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.chip.State()
}

// ChipStats returns the core's event counts (resets, ROM entries, crystal
// misses) since the board was built.
func (b *Board) ChipStats() mcu.Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.chip.Stats()
}
