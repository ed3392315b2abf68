package part

import (
	"errors"
	"fmt"
	"strings"
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
// host to expect. Each is named after what the ROM does.
type Quirks struct {
	// MassErasePoll, when not zero, is the bwPollTimeout the ROM reports
	// for a mass erase however long the erase takes; a host waits up to
	// the datasheet time instead (dfu-util dfuse.c replaces a reported
	// 100 ms by 35 s, ChangeLog 0.9).
	MassErasePoll time.Duration
	// StallsWhilePolled: the ROM reports too short a poll timeout and
	// stalls GETSTATUS while it is still busy; a host retries the poll
	// after the last poll timeout (dfu-util dfuse.c, "some STM32L4
	// bootloaders", ChangeLog 0.10).
	StallsWhilePolled bool
	// StaysBusy: after an erase the ROM may stay in dfuDNBUSY past its
	// poll timeout; CLRSTATUS answers dfuERROR/errUNKNOWN and a second one
	// dfuIDLE with the erase done (STM32H743 rev V, as on NUCLEO-H743ZI2
	// boards; betaflight-configurator webusbdfu.js, after
	// STM32CubeProgrammer). Which ROM versions do it is UNVERIFIED, so a
	// host clears it on every chip of the family.
	StaysBusy bool
	// LeavesWithoutStatus: the ROM starts the application on the
	// zero-length DNLOAD of a leave without answering a GETSTATUS
	// (dfu-util quirks.c QUIRK_DFUSE_LEAVE for 28e9:0189).
	LeavesWithoutStatus bool
	// UTF8Serial: the serial-number string descriptor holds UTF-8 bytes,
	// not UTF-16LE (dfu-util quirks.c QUIRK_UTF8_SERIAL for 28e9:0189).
	UTF8Serial bool
	// NoMassErase: the ROM refuses a mass erase (STM32WB: the radio
	// firmware must survive; pyOCD #811).
	NoMassErase bool
	// WrongTypeLetters: the layout string marks flash units read-only
	// ('a') that the ROM erases and writes; a host treats every unit of
	// internal flash as erasable and writable (AT32F43x: the string shows
	// its first 32 KB as 'a' while flight-controller firmware for it starts
	// at 0x08000000 and Betaflight's flasher writes there, ignoring the
	// type letters; what the ROM does is UNVERIFIED beyond that).
	WrongTypeLetters bool
	// SharedSerial: every board's ROM reports the same serial number, so
	// boards are told apart by port path only (Artery "AT32").
	SharedSerial bool
}

// merge returns q with every quirk of o added.
func (q Quirks) merge(o Quirks) Quirks {
	if o.MassErasePoll != 0 {
		q.MassErasePoll = o.MassErasePoll
	}
	q.StallsWhilePolled = q.StallsWhilePolled || o.StallsWhilePolled
	q.StaysBusy = q.StaysBusy || o.StaysBusy
	q.LeavesWithoutStatus = q.LeavesWithoutStatus || o.LeavesWithoutStatus
	q.UTF8Serial = q.UTF8Serial || o.UTF8Serial
	q.NoMassErase = q.NoMassErase || o.NoMassErase
	q.WrongTypeLetters = q.WrongTypeLetters || o.WrongTypeLetters
	q.SharedSerial = q.SharedSerial || o.SharedSerial
	return q
}

// ROM is one version of a family's ROM bootloader as a host sees it.
type ROM struct {
	// BCDDevice is the bcdDevice of the ROM's device descriptor.
	BCDDevice uint16
	// Letter is the type letter the ROM gives its small areas (option
	// bytes, OTP): 'g' on the STM32F4 ROM 0x2100, 'e' on 0x2200 (published
	// dfu-util -l logs); 0 means 'e'.
	Letter byte
	Quirks Quirks
}

// SmallType returns the ROM's type letter for small areas.
func (r ROM) SmallType() byte {
	if r.Letter == 0 {
		return 'e'
	}
	return r.Letter
}

// SerialRule is how a ROM derives its USB serial number.
type SerialRule int

// Serial rules.
const (
	// SerialUIDSum is ST's rule: see ROMSerial.
	SerialUIDSum SerialRule = iota
	// SerialFixed: every chip reports Family.FixedSerial.
	SerialFixed
)

// RDP is where a family keeps its read-protection byte and how it encodes
// the levels.
type RDP struct {
	// Offset is the RDP byte's offset in the first option-byte block.
	Offset uint32
	// Level0 is the value for no protection; Level2 the permanent level
	// (any other value is level 1). Level2 0 means the family has none.
	Level0, Level2 byte
}

// Level returns the read-protection level that RDP byte v means.
func (r RDP) Level(v byte) int {
	switch {
	case v == r.Level0:
		return 0
	case r.Level2 != 0 && v == r.Level2:
		return 2
	}
	return 1
}

// OptionLayout says how much of a family's option-byte blocks softdfu
// knows.
type OptionLayout int

// Option-byte layouts.
const (
	// OptionsRDPOnly: only the RDP byte is known; write protection is
	// shown as unknown and nothing is changed.
	OptionsRDPOnly OptionLayout = iota
	// OptionsF4: STM32F2/F4 blocks (package optionbytes, layout F4):
	// shown and changed.
	OptionsF4
	// OptionsF7: the STM32F7 block (package optionbytes, layout F7):
	// shown and changed.
	OptionsF7
	// OptionsPageWRP: the STM32L4/G0/G4/WB blocks, one per bank: FLASH_OPTR
	// at offset 0, two write-protected page ranges WRPxA and WRPxB at
	// offsets 0x18 and 0x20 (start page in bits 7:0, end page in bits
	// 23:16; no protection when start > end). Shown, not changed.
	OptionsPageWRP
	// OptionsH7: the STM32H7 registers from FLASH_OPTSR_CUR: bank 1's
	// FLASH_WPSN_CUR1R at offset 0x1C (a clear bit i write-protects
	// sector i). Shown, not changed.
	OptionsH7
)

// Options describes a family's option bytes as the ROM shows them.
type Options struct {
	// Size is the size of one block on the option-byte alternate setting.
	Size uint32
	RDP  RDP
	// Layout says what softdfu decodes of a block and whether it can
	// change it.
	Layout OptionLayout
	// WRPBits is the number of nWRP bits in one block (OptionsF4).
	WRPBits int
}

// Changeable reports whether softdfu can change the family's option
// bytes: STM32F2/F4-style and STM32F7 blocks.
func (o Options) Changeable() bool { return o.Layout == OptionsF4 || o.Layout == OptionsF7 }

// ChangeableFamilies names the families whose option bytes softdfu
// changes: "STM32F2, STM32F4, STM32F7, GD32F4, APM32F4".
func ChangeableFamilies() string {
	var names []string
	for _, f := range Families {
		if f.Options.Changeable() {
			names = append(names, f.Name)
		}
	}
	return strings.Join(names, ", ")
}

// Entry is how firmware reaches the ROM bootloader from software (AN2606).
type Entry struct {
	// SystemMemory is the ROM's address: initial stack pointer, then
	// reset vector.
	SystemMemory uint32
	// Remap is true when the firmware maps system memory at 0 (SYSCFG
	// MEMRMP) before jumping; false when it branches there directly
	// (STM32F7, STM32H7).
	Remap bool
}

// Family is what a line of chips shares.
type Family struct {
	// Name is "STM32F4".
	Name string
	// USB lists the USB IDs of the family's ROM bootloader in DFU mode.
	USB []USBID
	// Manufacturer and Product are the ROM's USB strings ("" for ST's:
	// "STMicroelectronics", "STM32  BOOTLOADER").
	Manufacturer, Product string
	// ROMs lists the known ROM versions; Quirks are those of every one.
	ROMs   []ROM
	Quirks Quirks
	// Entry says where the ROM is and how software enters it.
	Entry Entry
	// UID is the address of the 96-bit unique ID.
	UID uint32
	// OTP is the one-time-programmable data area; OTPLock its lock bytes
	// (Size 0: the ROM shows none).
	OTP, OTPLock Range
	Options      Options
	Serial       SerialRule
	// FixedSerial is the serial of every chip under SerialFixed.
	FixedSerial string
	// EraseUnit names the family's erase unit: "sector" or "page".
	EraseUnit string
	// WriteUnit is the programming granularity in bytes: 32 on STM32H7,
	// 8 on the families that program double words (UNVERIFIED whether
	// their ROMs pad a shorter write), 4 otherwise.
	WriteUnit int
	// Timing is at the usual supply (x32 parallelism on STM32F2/F4/F7);
	// LowVoltage at the lowest supply the datasheet lists (x8).
	Timing, LowVoltage Timing
	// Sources name the public documents the facts come from.
	Sources string
}

// ROMStrings returns the ROM's manufacturer and product strings.
func (f *Family) ROMStrings() (manufacturer, product string) {
	if f.Manufacturer == "" {
		return "STMicroelectronics", "STM32  BOOTLOADER"
	}
	return f.Manufacturer, f.Product
}

// ROM returns the family's ROM version with bcdDevice bcd, with the
// family's quirks added; an unknown version has the family's quirks only.
func (f *Family) ROM(bcd uint16) ROM {
	for _, r := range f.ROMs {
		if r.BCDDevice == bcd {
			r.Quirks = f.Quirks.merge(r.Quirks)
			return r
		}
	}
	return ROM{BCDDevice: bcd, Quirks: f.Quirks}
}

// ROMSerial returns the serial number the family's ROM bootloader reports
// for a chip with unique ID uid (12 bytes in memory order).
func (f *Family) ROMSerial(uid [12]byte) string {
	if f.Serial == SerialFixed {
		return f.FixedSerial
	}
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
	rdp := c.Family.Options.RDP
	if rdp.Level2 == 0 {
		return nil
	}
	off := int64(c.OptionBlocks[0]) + int64(rdp.Offset) - int64(addr)
	if off >= 0 && off < int64(len(data)) && data[off] == rdp.Level2 {
		return fmt.Errorf("%w (RDP byte 0x%02x at 0x%08x)", ErrRDPLevel2, rdp.Level2, c.OptionBlocks[0]+rdp.Offset)
	}
	return nil
}
