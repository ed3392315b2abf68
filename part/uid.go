package part

import "fmt"

// ROMSerial is the USB serial number ST's ROM bootloader shows for a chip
// with the 96-bit unique ID uid (12 bytes in memory order): the sum of the
// first and third UID words, then the upper half of the second, in
// upper-case hex (the rule the ROM and the libraries derived from ST's
// USB device code use).
func ROMSerial(uid [12]byte) string {
	w := func(i int) uint32 {
		return uint32(uid[i]) | uint32(uid[i+1])<<8 | uint32(uid[i+2])<<16 | uint32(uid[i+3])<<24
	}
	return fmt.Sprintf("%08X%04X", w(0)+w(8), w(4)>>16)
}

// UIDSerial is the serial number CircuitPython shows for a chip with
// unique ID uid: the 12 bytes in memory order, in upper-case hex.
func UIDSerial(uid [12]byte) string { return fmt.Sprintf("%X", uid[:]) }
