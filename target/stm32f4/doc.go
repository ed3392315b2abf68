// Package stm32f4 is device-side code for STM32F4 microcontrollers (and,
// through Config.Family, STM32F2, F7, H7 and L4): it
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
// # Families
//
// STM32F4 is the reference implementation; Config.Family selects another
// family's register map and ROM entry rule (FamilyNamed finds it by the
// chip database's name, part.Family.Name):
//
//   - F2 (RM0033) and F7 (RM0410) keep RM0090's RCC, PWR, RTC and OTG_FS
//     addresses; F7 has 32 backup registers and branches to its ROM at
//     0x1FF00000 without the SYSCFG remap.
//   - H7 (RM0433, H742/743/750/753): RCC at 0x58024400, reset flags in
//     RCC_RSR, PWR_CR1 at 0x58024800 with no PWR clock enable, RTC and 32
//     backup registers at 0x58004000, OTG_FS (USB2) clock and reset in
//     RCC_AHB1ENR/AHB1RSTR bit 27; no SYSCFG_MEMRMP: a direct branch to the
//     ROM's vector table at 0x1FF09800 (AN2606; ST's FAQ "Jump to
//     bootloader from application on STM32H7 devices"; MicroPython branches
//     via 0x1FF00000, the reset value of BOOT_ADD1).
//   - L4 (RM0351): RCC at 0x40021000 with the MSI as the reset clock (at
//     the HSI's bits of an F4), reset flags in RCC_CSR (RMVF bit 23),
//     PWR_CR1 DBP, 32 backup registers, OTG_FS in RCC_AHB2ENR bit 12, and
//     SYSCFG_MEMRMP at 0x40010000 (MEM_MODE 001) mapped before the
//     branch to 0x1FFF0000, as MicroPython's stm32 port does on L4.
//
// The package keeps its name: its model is the F4's, the other maps are
// described against it. Data and instruction caches (F7, H7) are not
// touched: the reliable entry runs right after a reset, before any cache
// is enabled; the direct jump leaves them as the application set them.
//
// Facts are from RM0090 (register map), RM0410, RM0433, RM0351, PM0214
// (Cortex-M4 core peripherals), AN2606, ST's "jump to system memory
// bootloader" FAQ and MicroPython's ports/stm32/powerctrl.c (which
// families remap).
package stm32f4
