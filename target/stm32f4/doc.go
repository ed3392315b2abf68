// Package stm32f4 is device-side code for STM32F4 microcontrollers: it
// keeps a run-mode request (CircuitPython's
// microcontroller.on_next_reset(RunMode.BOOTLOADER) followed by
// microcontroller.reset()) across a system reset and enters ST's ROM DFU
// bootloader (AN2606 "system memory boot mode") reliably.
//
// The code is written against two small interfaces, Bus (32-bit register
// and RAM access) and CPU (PRIMASK, MSP, branch, reset wait, barriers), so
// the same code runs in the simulator (package sim/mcu implements both) and
// on a real chip through the thin TinyGo binding in tinygo.go
// (//go:build tinygo). That binding is not built or tested by this
// repository's CI; it is kept small so review can check it by eye.
//
// # Entering the ROM bootloader, the reliable way
//
// MicroPython's stm32 port moved from jumping out of a running application
// to "set a flag, system reset, branch to the ROM early in start-up"; its
// commit message: branching directly "is not reliable, and the reliability
// of it working can depend on the peripherals that were enabled by the
// application code. It's also not possible to branch to a bootloader if
// the WDT is enabled". A 2026
// CircuitPython change on the Feather STM32F405 (12 MHz crystal, ROM v3,
// whose HSE detection waits only 0.79 ms and resets the chip on a miss)
// added a retry when the ROM resets back and dropped requests older than
// 5 s. This package does that:
//
//  1. OnNextReset(Bootloader) stores a request word (magic, mode, attempt
//     count) in a location that survives a system reset: an RTC backup
//     register (with the RTC time of the request in the next backup
//     register) or a RAM word the linker script keeps out of .data/.bss.
//  2. Reset() restamps the request and writes SCB_AIRCR = VECTKEY |
//     SYSRESETREQ.
//  3. EarlyStartup(), called first thing in the reset handler before any
//     clock or peripheral set-up, finds the request after a software reset,
//     counts the attempt, puts RCC, SysTick, NVIC and OTG_FS back to reset
//     state, maps system flash at 0, loads MSP from 0x1FFF0000 and jumps
//     to the address at 0x1FFF0004.
//  4. If the ROM misses the crystal it resets the chip; EarlyStartup runs
//     again and retries while the attempt count, the request's age (5 s,
//     RTC store) and the time since the last attempt (RTC store) allow.
//
// JumpToBootloaderDirect keeps the original (seed) method for comparison:
// the AN2606 steps from inside the running application with no reset, so
// an HSE miss drops the board back into the application.
//
// The same code serves STM32F2 and STM32F7, whose RCC, PWR, RTC and OTG_FS
// registers are at RM0090's addresses (RM0033, RM0410): Config.SystemMemory
// and Config.DirectBranch carry the family's entry (part.Family.Entry):
// an STM32F7 branches to its ROM at 0x1FF00000 without the SYSCFG remap.
// STM32H7 and STM32L4 need other register addresses and are refused.
//
// Facts are from RM0090 (register map), PM0214 (Cortex-M4 core
// peripherals), AN2606 and ST's "jump to system memory bootloader" FAQ.
package stm32f4
