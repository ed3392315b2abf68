//go:build tinygo

// Binding of Bus and CPU to the chip the program runs on, for TinyGo on
// an STM32 (the same for every family: the family is Config.Family). NOT
// BUILT OR TESTED in this repository (no TinyGo in CI): review by eye.
// Notes for whoever wires it up:
//   - On F7 and H7, JumpToBootloaderDirect leaves the caches as the
//     application set them; clean and disable the D-cache first
//     (MicroPython's powerctrl.c cleans it before its reset).
//   - EarlyStartup should run before the runtime configures clocks; TinyGo
//     offers no hook that early, so calling it first in main still works
//     (the AN2606 steps undo the runtime's clock and SysTick set-up) but
//     the request word, if a RAM word, must sit in a section the runtime
//     does not zero (.noinit in the linker script).
//   - TinyGo's scheduler may run goroutines on PSP: Jump switches CONTROL
//     back to MSP before loading it.

package stm32f4

import (
	"device/arm"
	"runtime/volatile"
	"unsafe"
)

// MMIO is the Bus of the running chip (volatile 32-bit accesses).
type MMIO struct{}

// Read32 loads the word at addr.
func (MMIO) Read32(addr uint32) uint32 {
	return volatile.LoadUint32((*uint32)(unsafe.Pointer(uintptr(addr))))
}

// Write32 stores v at addr.
func (MMIO) Write32(addr, v uint32) {
	volatile.StoreUint32((*uint32)(unsafe.Pointer(uintptr(addr))), v)
}

// Core is the CPU of the running chip.
type Core struct{ msp uint32 }

// DisableInterrupts executes cpsid i.
func (*Core) DisableInterrupts() { arm.Asm("cpsid i") }

// EnableInterrupts executes cpsie i.
func (*Core) EnableInterrupts() { arm.Asm("cpsie i") }

// SetMSP records sp; Jump loads it, since this Go code still runs on the
// current stack.
func (c *Core) SetMSP(sp uint32) { c.msp = sp }

// Jump selects MSP in thread mode, loads it and branches to pc. It does
// not return.
func (c *Core) Jump(pc uint32) {
	arm.AsmFull(`
		msr control, {zero}
		isb
		msr msp, {sp}
		bx {pc}
	`, map[string]interface{}{"zero": uint32(0), "sp": c.msp, "pc": pc})
	for {
	}
}

// WaitForReset spins until the requested system reset happens.
func (*Core) WaitForReset() {
	for {
		arm.Asm("nop")
	}
}

// DSB executes dsb.
func (*Core) DSB() { arm.Asm("dsb") }

// ISB executes isb.
func (*Core) ISB() { arm.Asm("isb") }
