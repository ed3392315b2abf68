package board

import (
	"fmt"
	"strconv"

	"github.com/softdfu/softdfu/optionbytes"
)

// RDP2Warning says what read protection level 2 does, for a front end to
// show before it asks for (or writes) it.
const RDP2Warning = `RDP level 2 LOCKS THE CHIP FOREVER. It can never be undone: not by softdfu,
not by ST's tools, not by a debugger, not by anyone. The ROM bootloader and
the debug port are disabled for good and the option bytes can never be
changed again. Only firmware already on the chip will ever run on it.`

// OptionText is a change to the option bytes as a person writes it (on a
// command line, in a form): the read protection level 0, 1 or 2, numbers
// in Go's syntax (0xef, 0o17, 255) and lists of sectors as ParseSectors
// reads them; an empty string changes nothing.
type OptionText struct {
	RDP, User, NWRP string
	// BootAdd are BOOT_ADD0 and BOOT_ADD1 (STM32F7 only).
	BootAdd [2]string
	// Protect and Unprotect are the sectors or pages to write-protect and
	// to unprotect, numbered as in the flash layout.
	Protect, Unprotect string
	// PermanentLock confirms read protection level 2, which locks the
	// chip forever; it goes only with RDP "2".
	PermanentLock bool
}

// OptionValueError is a value of an OptionText that the option byte does
// not take.
type OptionValueError struct {
	// Field names the field of OptionText: RDP, User, NWRP, BootAdd0,
	// BootAdd1, Protect or Unprotect. Value is the text given.
	Field, Value string
	// Hint says what to give instead.
	Hint string
}

func (e *OptionValueError) Error() string { return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Hint) }

// Kind is Usage: nothing was opened or written.
func (e *OptionValueError) Kind() Kind { return Usage }

// ErrLockNotConfirmed: read protection level 2 was asked for without
// PermanentLock.
var ErrLockNotConfirmed = Sentinel(Usage, "refusing read protection level 2 without the permanent lock confirmed")

// ErrLockWithoutLevel2: PermanentLock was given with another change than
// read protection level 2.
var ErrLockWithoutLevel2 = Sentinel(Usage, "the permanent lock goes only with read protection level 2")

// Change reads t. It refuses read protection level 2 unless the permanent
// lock is confirmed, before anything is opened.
func (t OptionText) Change() (OptionChange, error) {
	var c OptionChange
	switch t.RDP {
	case "":
	case "0":
		c.RDP = ptrTo(byte(optionbytes.RDPLevel0))
	case "1":
		c.RDP = ptrTo(byte(optionbytes.RDPLevel1))
	case "2":
		if !t.PermanentLock {
			return c, ErrLockNotConfirmed
		}
		c.RDP = ptrTo(byte(optionbytes.RDPLevel2))
	default:
		return c, &OptionValueError{"RDP", t.RDP, "give 0 (no protection), 1 (read protection, removable with a mass erase) or 2 (permanent lock)"}
	}
	if t.PermanentLock && t.RDP != "2" {
		return c, ErrLockWithoutLevel2
	}
	if t.User != "" {
		v, err := strconv.ParseUint(t.User, 0, 8)
		if err != nil {
			return c, &OptionValueError{"User", t.User, "give the USER option byte, for example 0xef"}
		}
		c.User = ptrTo(byte(v))
	}
	if t.NWRP != "" {
		v, err := strconv.ParseUint(t.NWRP, 0, 16)
		if err != nil {
			return c, &OptionValueError{"NWRP", t.NWRP, "give the 16-bit nWRP word of bank 1, for example 0x0fff (a clear bit protects a sector)"}
		}
		c.NWRP = ptrTo(uint16(v))
	}
	for i, v := range t.BootAdd {
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 0, 16)
		if err != nil {
			return c, &OptionValueError{fmt.Sprintf("BootAdd%d", i), v, fmt.Sprintf("give the 16-bit BOOT_ADD%d value (the boot address divided by 16 KB), for example 0x%04x", i, [2]int{optionbytes.F7BootFlashITCM, optionbytes.F7BootSystem}[i])}
		}
		c.BootAdd[i] = ptrTo(uint16(n))
	}
	var err error
	if c.Protect, err = sectorList("Protect", t.Protect); err != nil {
		return c, err
	}
	c.Unprotect, err = sectorList("Unprotect", t.Unprotect)
	return c, err
}

// sectorList reads the list of field, nil when s is empty.
func sectorList(field, s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	n, err := ParseSectors(s)
	if err != nil {
		return nil, &OptionValueError{field, s, err.Error()}
	}
	return n, nil
}

// Empty reports whether c changes nothing.
func (c OptionChange) Empty() bool {
	return c.RDP == nil && c.User == nil && c.NWRP == nil && c.BootAdd == [2]*uint16{} && len(c.Protect) == 0 && len(c.Unprotect) == 0
}

func ptrTo[T any](v T) *T { return &v }
