// Package sim is a simulated STM32F4 board: flash with its physics and
// datasheet timing, option bytes and read protection, OTP, the ST ROM DfuSe
// bootloader (AN2606, AN3156) as a USB device, BOOT0 and the reset button,
// and the boot flow that starts an application from a vector table.
//
// A World holds one or more boards on numbered ports. It is a usb.Bus (what a
// USB/IP server exports) and a usb.Host (what an in-process host opens), so the
// same simulated board serves unit tests, the softdfu CLI (--sim) and real
// tools such as dfu-util over USB/IP.
//
// Time is simulated: every USB transfer and flash operation advances the
// board's own clock, and a speed factor turns that into wall time (0 =
// instant, 1 = real time). Hosts that wait (poll timeouts) use the board's
// clock through usb.ClockOf, so at speed 0 a full flash takes milliseconds of
// wall time while the board's clock shows what a real chip would take.
//
// Every board runs an mcu.Chip (package sim/mcu), which drives the boot
// flow: power-on, the reset button, BOOT0, the ROM's AN2606 entry checks
// and its search for the crystal (the Feather STM32F405's ROM misses it 7
// times in 12 and resets the chip), and DfuSe leave by jump. The chip's
// time follows the board's Clock. Applications that carry a persona marker
// (AppImage) run softdfu's device library (target/stm32f4) at start-up and
// present a USB device: a CircuitPython-like or MicroPython-like REPL on
// CDC-ACM, an Arduino-style serial port, or a DFU run-time interface. Each
// can be asked for the ROM bootloader from the host (see package enter).
//
// Values that public sources do not settle are kept in the Part catalog and
// the ROMBehaviour table and marked UNVERIFIED there.
package sim
