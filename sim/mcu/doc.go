// Package mcu simulates the core of an STM32F4 microcontroller at register
// level: RCC, PWR, the RTC with its backup registers, SYSCFG, SysTick, the
// NVIC, the SCB, the independent watchdog, the OTG_FS core registers and
// word-addressed SRAM/CCM RAM.
// Config.Family shows another family's register map (STM32F7: the same
// map with 32 backup registers; STM32H7, STM32L4: their own addresses and
// bit positions, each register translated to the F4 register it stands
// for; see Family): firmware that uses the wrong family's addresses
// faults instead of reaching the ROM.
//
// It is just enough of a chip for device-side code (package target/stm32f4,
// which talks to a Bus and a CPU) to run unchanged and for the moment it
// jumps into ST's ROM bootloader to be judged.
//
// # Reset survival rules (RM0090 "Reset and clock control", "Backup domain")
//
//   - System reset (SYSRESETREQ, the ROM's own reset, NRST pin): every core
//     and peripheral register returns to its reset value; SRAM and CCM RAM
//     keep their content; the backup domain (RCC_BDCR, the RTC and its
//     backup registers RTC_BKP0R..RTC_BKP19R) is untouched; RCC_CSR keeps
//     its reset flags and gains SFTRSTF (software reset) and PINRSTF (an
//     internal reset also drives the NRST pad, so F4 parts report both).
//   - Power-on reset: everything is reset, RAM reads back as garbage, and
//     RCC_CSR holds PORRSTF|PINRSTF|BORRSTF (0x0E000000). The backup domain
//     is lost too, unless the chip is built with Config.VBAT (a battery or a
//     supply on VBAT keeps it, and the RTC keeps counting while off).
//
// # Running, jumping and resetting
//
// A Chip is event driven. Writing SCB_AIRCR with VECTKEY and SYSRESETREQ,
// or calling CPU.Jump, does not happen inside the caller: it is recorded,
// the caller's code returns (on silicon it would never run again), and the
// chip then performs the reset or the jump. After a reset with BOOT0 low
// the CPU starts the application from the vector table at 0x08000000 and
// calls Hooks.AppStart, which runs the firmware's start-up code (for
// example stm32f4.Device.EarlyStartup) against the chip. A jump to the
// ROM's entry point (the word at 0x1FFF0004) runs the ROM model: first its
// AN2606 preconditions (see ROMEntryCheck), then HSE detection with the
// board's crystal model; a miss makes the ROM reset the chip, as the real
// F405 ROM v3 does, and start-up code runs again.
//
// The ROM model stops at "running": it does not reconfigure clocks or USB
// registers itself, and it never refreshes the independent watchdog (so a
// watchdog the application started resets the chip out of the ROM; a
// system reset stops the watchdog). The board attaches
// its DfuSe gadget in Hooks.ROMRunning and, on DfuSe leave, calls
// SetMSP+Jump (leave by jump) or SystemReset (leave by reset).
//
// State reports what the CPU runs now: the application, the ROM
// bootloader, or nothing (hung, with a Fault and a reason).
//
// A Chip is not safe for concurrent use: the board that owns it serialises
// calls. Time is simulated (Advance, Now); nothing sleeps.
//
// Values marked UNVERIFIED are model parameters, not facts.
package mcu
