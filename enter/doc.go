// Package enter brings a board that runs its application into ST's ROM DFU
// bootloader from software, and finds the bootloader the same board became.
//
// It detects from a device's descriptors which firmware runs (Identify: a
// table of firmware builds by VID:PID, CircuitPython's per board, and by
// VID) and which entry methods it offers (Methods); a forced method the
// known firmware does not offer is refused, naming the one to use:
//
//   - detach: a DFU run-time interface (class FE/01/01): DFU_DETACH; the
//     device must set bitWillDetach (a host's USB reset cannot cross
//     USB/IP).
//   - repl: CircuitPython (VID 0x239A; the Swan R5's 30A4:0002) on a
//     CDC-ACM port: Ctrl-C, then
//     microcontroller.on_next_reset(microcontroller.RunMode.BOOTLOADER) and
//     microcontroller.reset() at the >>> prompt.
//   - raw-repl: MicroPython (VID 0xF055): the raw REPL as mpremote drives it,
//     running "import time, machine; time.sleep_ms(100); machine.bootloader()".
//   - 1200bps: CircuitPython and the Arduino STM32 core (ST's VID on a
//     CDC-ACM port); forced, any CDC-ACM port but MicroPython's: set the
//     line coding to 1200 baud and drop DTR.
//
// The CDC-ACM host (ACM) talks over the USB device's bulk endpoints, so the
// same code works in-process (package sim) and over USB/IP; on Linux, when
// the backend reports the device's /dev/ttyACM* (usb.DeviceInfo.Ports), the
// kernel's tty is used instead.
//
// After the request Enter waits, in the host's clock (usb.ClockOf, so
// simulated boards do not sleep for real), for a DFU-mode device that is the
// same board: the ROM's serial number predicted from the UID in the
// application's serial (PredictROMSerial), or else the same USB port path.
// It never takes another board's bootloader.
package enter
