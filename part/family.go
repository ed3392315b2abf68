package part

import (
	"errors"
	"fmt"
	"time"
)

// USBID is a USB vendor and product ID.
type USBID struct {
	Vendor, Product uint16
}

// String returns "0483:df11".
func (id USBID) String() string { return fmt.Sprintf("%04x:%04x", id.Vendor, id.Product) }

// Timing is a family's datasheet flash timing, each value typical and
// maximum.
type Timing struct {
	// WordProgram is the time to program one 32-bit word.
	WordProgram [2]time.Duration
	// Erase maps the size of an erase unit to its erase time.
	Erase map[uint32][2]time.Duration
	// MassErasePerMB is the mass-erase time per MiB of flash.
	MassErasePerMB [2]time.Duration
}

// Quirks are the ways a ROM bootloader departs from what DfuSe leads a
// host to expect.
type Quirks struct {
	// MassErasePoll, when not zero, is the bwPollTimeout the ROM reports
	// for a mass erase however long the erase takes; a host waits up to
	// the datasheet time instead (dfu-util dfuse.c replaces a reported
	// 100 ms by 35 s, ChangeLog 0.9).
	MassErasePoll time.Duration
}

// ROM is one version of a family's ROM bootloader as a host sees it.
type ROM struct {
	// BCDDevice is the bcdDevice of the ROM's device descriptor.
	BCDDevice uint16
	Quirks    Quirks
}

// SerialRule is how a ROM derives its USB serial number.
type SerialRule int

// Serial rules.
const (
	// SerialUIDSum is ST's rule: see ROMSerial.
	SerialUIDSum SerialRule = iota
)

// RDP is where a family keeps its read-protection byte and how it encodes
// the levels.
type RDP struct {
	// Offset is the RDP byte's offset in the first option-byte block.
	Offset uint32
	// Level0 is the value for no protection; Level2 the permanent level
	// (any other value is level 1).
	Level0, Level2 byte
}

// Family is what a line of chips shares.
type Family struct {
	// Name is "STM32F4".
	Name string
	// USB lists the USB IDs of the family's ROM bootloader in DFU mode.
	USB []USBID
	// ROMs lists the known ROM versions.
	ROMs []ROM
	// SystemMemory is the ROM bootloader's address: initial stack
	// pointer, then reset vector.
	SystemMemory uint32
	// UID is the address of the 96-bit unique ID.
	UID uint32
	// OTP is the one-time-programmable data area; OTPLock its lock bytes.
	OTP, OTPLock Range
	// WRPBits is the number of nWRP bits in one option-byte block.
	WRPBits int
	RDP     RDP
	Serial  SerialRule
	// Timing is at the usual supply (x32 parallelism on STM32F4);
	// LowVoltage at the lowest supply the datasheet lists (x8).
	Timing, LowVoltage Timing
}

// ROM returns the family's ROM version with bcdDevice bcd; an unknown
// version has no quirks.
func (f *Family) ROM(bcd uint16) ROM {
	for _, r := range f.ROMs {
		if r.BCDDevice == bcd {
			return r
		}
	}
	return ROM{BCDDevice: bcd}
}

// ROMSerial returns the serial number the family's ROM bootloader reports
// for a chip with unique ID uid (12 bytes in memory order).
func (f *Family) ROMSerial(uid [12]byte) string {
	return ROMSerial(uid)
}

// ROMSerial is ST's ROM serial rule: 8 hex digits of UID word 0 + word 2,
// then the upper 4 hex digits of word 1 (the words little-endian, as in
// memory). MicroPython's stm32 port derives its USB serial the same way
// (ports/stm32/usbd_desc.c).
func ROMSerial(uid [12]byte) string {
	w0, w1, w2 := le32(uid[0:]), le32(uid[4:]), le32(uid[8:])
	return fmt.Sprintf("%08X%04X", w0+w2, w1>>16)
}

// UIDHex returns the unique ID as 24 upper-case hex digits in memory
// order: the USB serial CircuitPython reports.
func UIDHex(uid [12]byte) string { return fmt.Sprintf("%X", uid[:]) }

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// ErrRDPLevel2 is returned by CheckOptionWrite for a write that would set
// read protection level 2 when that was not allowed.
var ErrRDPLevel2 = errors.New("refusing to set read protection level 2, which can never be undone")

// CheckOptionWrite refuses a write of data at addr on the option-byte
// memory that would set read protection level 2 (the chip locked for
// good), unless allowLevel2 is set.
func (c *Chip) CheckOptionWrite(addr uint32, data []byte, allowLevel2 bool) error {
	if allowLevel2 || len(c.OptionBlocks) == 0 {
		return nil
	}
	rdp := c.Family.RDP
	off := int64(c.OptionBlocks[0]) + int64(rdp.Offset) - int64(addr)
	if off >= 0 && off < int64(len(data)) && data[off] == rdp.Level2 {
		return fmt.Errorf("%w (RDP byte 0x%02x at 0x%08x)", ErrRDPLevel2, rdp.Level2, c.OptionBlocks[0]+rdp.Offset)
	}
	return nil
}
