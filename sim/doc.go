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
// Values that public sources do not settle are kept in the Part catalog and
// the ROMBehaviour table and marked UNVERIFIED there.
package sim
