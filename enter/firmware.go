package enter

import (
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// Firmware is an application firmware softdfu recognises by its USB
// identity, with the entry methods that firmware offers.
type Firmware struct {
	// Name is the firmware ("CircuitPython", "MicroPython", ...).
	Name string
	// Board is the board build it identifies ("" when the ID is shared
	// by every board of that firmware).
	Board string
	// Family is the chip family of that build (part.Family.Name), ""
	// when the ID does not tell.
	Family string
	// Methods are the serial-port methods the firmware offers, best
	// first (a DFU run-time interface adds detach, whatever the
	// firmware).
	Methods []Method
	// Source is where the identity and the methods come from.
	Source string
	// Caveat, when set, is what can still keep the board from reaching
	// the ROM bootloader (told when it does not appear).
	Caveat string
}

// String returns "CircuitPython (Nucleo F767ZI, STM32F7)" and the like.
func (f Firmware) String() string {
	var in []string
	for _, s := range []string{f.Board, f.Family} {
		if s != "" {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		return f.Name
	}
	return fmt.Sprintf("%s (%s)", f.Name, strings.Join(in, ", "))
}

// Offers reports whether the firmware offers method m.
func (f Firmware) Offers(m Method) bool {
	for _, x := range f.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// Facts for the table below. CircuitPython: on_next_reset(RunMode.
// BOOTLOADER) + reset() and the 1200-baud touch (supervisor/shared/usb/
// usb.c tud_cdc_line_state_cb: DTR dropped at 1200 baud) both end in the
// port's reset_to_bootloader(). MicroPython's stm32 port: machine.
// bootloader() (modmachine.c; the flag, reset and early branch of
// powerctrl.c); it has no 1200-baud touch.
const (
	cpySource = "CircuitPython ports/stm/boards/%s/mpconfigboard.mk (USB_VID, USB_PID); supervisor/shared/usb/usb.c (1200-baud touch)"
	cpyCaveat = "CircuitPython's STM port (ports/stm/supervisor/port.c reset_to_bootloader) branches to the ROM on STM32F4 only and resets otherwise: a build without softdfu's target library comes back as CircuitPython"
	mpySource = "MicroPython ports/stm32 (USBD_VID 0xF055, PIDs 0x9800-0x9802; machine.bootloader in modmachine.c)"
)

// boards lists the firmware builds known by VID:PID; vendors lists what a
// VID alone tells.
var (
	boards = map[[2]uint16]Firmware{
		{VendorAdafruit, 0x809A}: {Name: "CircuitPython", Board: "Nucleo F767ZI", Family: "STM32F7", Methods: []Method{REPL, Touch1200},
			Source: fmt.Sprintf(cpySource, "nucleo_f767zi"), Caveat: cpyCaveat},
		{VendorAdafruit, 0x8098}: {Name: "CircuitPython", Board: "Nucleo H743ZI", Family: "STM32H7", Methods: []Method{REPL, Touch1200},
			Source: fmt.Sprintf(cpySource, "nucleo_h743zi_2"), Caveat: cpyCaveat},
		{VendorBlues, 0x0002}: {Name: "CircuitPython", Board: "Blues Swan R5", Family: "STM32L4", Methods: []Method{REPL, Touch1200},
			Source: fmt.Sprintf(cpySource, "swan_r5"), Caveat: cpyCaveat},
		{VendorMicroPython, 0x9800}: {Name: "MicroPython", Methods: []Method{RawREPL}, Source: mpySource},
		{VendorMicroPython, 0x9801}: {Name: "MicroPython", Methods: []Method{RawREPL}, Source: mpySource},
		{VendorMicroPython, 0x9802}: {Name: "MicroPython", Methods: []Method{RawREPL}, Source: mpySource},
	}
	vendors = map[uint16]Firmware{
		VendorAdafruit:    {Name: "CircuitPython", Methods: []Method{REPL, Touch1200}, Source: "Adafruit's VID on a CDC-ACM port"},
		VendorMicroPython: {Name: "MicroPython", Methods: []Method{RawREPL}, Source: mpySource},
		// ST's VID on a serial port: the Arduino STM32 core.
		VendorST: {Name: "Arduino STM32 core", Methods: []Method{Touch1200}, Source: "STM32duino USB CDC (0483:5740)"},
	}
)

// VendorBlues is Blues Inc.'s USB VID (the Swan boards).
const VendorBlues = 0x30A4

// Identify returns the firmware behind a device that shows a CDC-ACM port,
// by its VID:PID or, failing that, its VID.
func Identify(d usb.Descriptors) (Firmware, bool) {
	if _, ok := FindACM(d); !ok {
		return Firmware{}, false
	}
	if f, ok := boards[[2]uint16{d.Device.Vendor, d.Device.Product}]; ok {
		return f, true
	}
	f, ok := vendors[d.Device.Vendor]
	return f, ok
}

// refuse explains why a forced method m is not one the firmware f
// offers, and what to use instead.
func refuse(app usb.DeviceInfo, f Firmware, m Method) error {
	alt := make([]string, len(f.Methods))
	for i, x := range f.Methods {
		alt[i] = string(x)
	}
	why := ""
	switch {
	case m == Touch1200 && f.Name == "MicroPython":
		why = ": MicroPython's stm32 port has no 1200-baud touch"
	case m == RawREPL && f.Name == "CircuitPython":
		why = ": the raw REPL with machine.bootloader() is MicroPython's"
	case m == REPL && f.Name == "MicroPython":
		why = ": CircuitPython's microcontroller module is not in MicroPython"
	}
	return fmt.Errorf("%s (%s) runs %s, which offers %s, not %s%s: %w; use method %s",
		app.Path, app.ID(), f, strings.Join(alt, ", "), m, why, ErrNoMethod, alt[0])
}
