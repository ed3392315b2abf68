package enter

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Method is a way to ask running firmware for the ROM bootloader.
type Method string

// The entry methods, as named by --method.
const (
	Detach    Method = "detach"
	REPL      Method = "repl"
	RawREPL   Method = "raw-repl"
	Touch1200 Method = "1200bps"
)

// AllMethods lists every method, in the order Methods prefers them.
var AllMethods = []Method{Detach, REPL, RawREPL, Touch1200}

// ParseMethod reads a method's name; "" is no method (Options.Method
// then detects it).
func ParseMethod(s string) (Method, error) {
	if s == "" {
		return "", nil
	}
	for _, m := range AllMethods {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown entry method %q: use one of repl, raw-repl, detach, 1200bps", s)
}

// USB vendor IDs that identify the firmware behind a CDC-ACM port.
const (
	VendorAdafruit    = 0x239A // CircuitPython boards
	VendorMicroPython = 0xF055
	VendorST          = 0x0483
	ProductROMDFU     = 0xDF11 // the ROM bootloader in DFU mode
)

// Methods returns the methods the device described by d supports, best
// first: detach for a DFU run-time interface, then those of the firmware
// Identify recognises; none for a device in DFU mode or without a usable
// interface.
func Methods(d usb.Descriptors) []Method {
	if IsBootloader(d) {
		return nil
	}
	var out []Method
	if _, ok := runTime(d); ok {
		out = append(out, Detach)
	}
	if f, ok := Identify(d); ok {
		out = append(out, f.Methods...)
	}
	// Any other serial port (a modem, another maker's Arduino) is not
	// offered: a 1200-baud touch resets many boards that are not STM32s.
	// --method 1200bps still forces it.
	return out
}

// IsBootloader reports whether d is a device in DFU mode (a DFU interface
// with protocol 2), such as the ROM bootloader.
func IsBootloader(d usb.Descriptors) bool {
	for _, c := range d.Configs {
		for _, i := range dfu.FindInterfaces(c) {
			if !i.RunTime() {
				return true
			}
		}
	}
	return false
}

// runTime returns the DFU run-time interface of d.
func runTime(d usb.Descriptors) (dfu.Interface, bool) {
	for _, c := range d.Configs {
		for _, i := range dfu.FindInterfaces(c) {
			if i.RunTime() {
				return i, true
			}
		}
	}
	return dfu.Interface{}, false
}

// PredictROMSerial returns the serial number the ROM bootloader of the
// board will report, from the serial number its application reports:
//
//   - 24 hex digits are the 96-bit UID in memory order (CircuitPython's
//     serial: supervisor/shared/usb/usb_desc.c usb_build_descriptors writes
//     the bytes of common_hal_mcu_processor_get_uid in order, two upper-case
//     hex digits each; that the STM port's get_uid copies the UID in memory
//     order is UNVERIFIED): the ROM reports the serial part.ROMSerial
//     derives from it;
//   - 12 hex digits are already in the ROM's format (MicroPython's stm32
//     port derives its serial the way the ROM does; UNVERIFIED for every
//     version), so they are returned upper-cased.
//
// It reports false for any other serial.
func PredictROMSerial(appSerial string) (string, bool) {
	s := strings.TrimSpace(appSerial)
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", false
	}
	switch len(b) {
	case 12:
		return part.ROMSerial([12]byte(b)), true
	case 6:
		return strings.ToUpper(s), true
	}
	return "", false
}
