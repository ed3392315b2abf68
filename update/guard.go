package update

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// ErrUnbootable is wrapped by a *GuardError for an image that covers the
// boot address but whose vector table cannot start.
var ErrUnbootable = errors.New("the image's vector table at the boot address cannot boot")

// ErrUnknownPart is wrapped by a *GuardError for a DFU device whose flash
// layout is not one of a known STM32F4: another chip's ROM or a third-party
// DfuSe loader, which softdfu does not write unless told to.
var ErrUnknownPart = errors.New("the device's internal flash is not laid out like any STM32F4")

// ErrWriteProtected is wrapped by a *GuardError for an image that touches
// write-protected sectors.
var ErrWriteProtected = errors.New("the image touches write-protected sectors")

// GuardError reports an image that a safety guard refused before anything
// was erased or written. Options.Override overrides it.
type GuardError struct {
	Err    error
	Detail string
}

// Error says what is wrong; nothing was changed.
func (e *GuardError) Error() string {
	return fmt.Sprintf("%v: %s; nothing was erased or written", e.Err, e.Detail)
}

// Kind is board.Guard.
func (e *GuardError) Kind() board.Kind { return board.Guard }

// Unwrap returns the sentinel.
func (e *GuardError) Unwrap() error { return e.Err }

// Is matches an unbootable image as firmware.ErrAddressNeeded too: a raw
// binary placed at the wrong load address looks like one.
func (e *GuardError) Is(target error) bool {
	return target == firmware.ErrAddressNeeded && e.Err == ErrUnbootable
}

// Overriding says what an update does when Options.Override overrides
// guard (a board.Overridden note): "writing it anyway: ...", or for an
// unknown part, that its flash layout is not a known one.
func Overriding(guard error) string {
	var ge *GuardError
	if errors.As(guard, &ge) && errors.Is(ge, ErrUnknownPart) {
		return fmt.Sprintf("writing a device whose flash layout is not a known STM32F4 one: %s", ge.Detail)
	}
	if ge != nil {
		return fmt.Sprintf("writing it anyway: %v: %s", ge.Err, ge.Detail)
	}
	return fmt.Sprintf("writing it anyway: %v", guard)
}

// CheckBoot refuses an image that covers the first 8 bytes of layout l
// (the boot address, 0x08000000) with a vector table that cannot boot on
// the family l shows: the initial stack pointer must lie in (RAM start, RAM
// end] of SRAM or CCM RAM, the reset vector must be odd (Thumb) and point
// into flash. An image that does not cover the boot address passes.
func CheckBoot(img *firmware.Image, l dfu.Layout) error {
	secs := l.All()
	if len(secs) == 0 {
		return nil
	}
	base := secs[0].Address
	msp, reset, ok := img.VectorTable(base)
	if !ok {
		return nil
	}
	chip, _ := board.Chip(usb.DeviceDescriptor{}, l)
	why := chip.BootOK(msp, reset)
	if len(why) == 0 {
		return nil
	}
	return &GuardError{Err: ErrUnbootable, Detail: fmt.Sprintf("at 0x%08x: %s; is this the right file and load address?", base, strings.Join(why, "; "))}
}

// optionAlt returns 1 when the DFU interface has alternate setting 1 (the
// option bytes on the STM32 ROM), else 0.
func optionAlt(itf dfu.Interface) uint8 {
	for _, a := range itf.Alts {
		if a.Alternate == 1 {
			return 1
		}
	}
	return 0
}

// checkPart refuses a device the chip database does not know.
func checkPart(info usb.DeviceInfo, l dfu.Layout, chip *part.Chip, known bool) error {
	if known {
		return nil
	}
	return &GuardError{Err: ErrUnknownPart, Detail: fmt.Sprintf("%s %q shows %s (%s)", info.ID(), info.Descriptors.ProductName(), l.Describe(0), chip.Shape())}
}

// unprotect clears the write protection of sectors by writing the option
// bytes; the chip resets afterwards. It never changes the RDP byte.
func unprotect(ctx context.Context, s *board.Session, chip *part.Chip, prot *board.OptionBytes, secs []dfu.Sector) error {
	if err := board.NotChangeable(chip, s.Board.Path); err != nil {
		return &GuardError{Err: ErrWriteProtected, Detail: fmt.Sprintf("sector(s) %s %s write-protected and softdfu cannot remove the protection: %v", board.SectorList(secs), isAre(len(secs)), err)}
	}
	next := append([]optionbytes.Block(nil), prot.Blocks...)
	for _, sec := range secs {
		blk, bit := chip.WRPBit(sec.Address)
		next[blk].NWRP |= 1 << bit
	}
	conn := s.Conn()
	if err := conn.SelectAlt(ctx, 1); err != nil {
		return err
	}
	for i := range next {
		if next[i].NWRP == prot.Blocks[i].NWRP {
			continue
		}
		data := next[i].Encode()
		if err := chip.CheckOptionWrite(prot.Addrs[i], data, false); err != nil {
			return err
		}
		reset, err := conn.WriteOptionBytes(ctx, prot.Addrs[i], data)
		if err != nil {
			return fmt.Errorf("removing write protection at 0x%08x: %w", prot.Addrs[i], err)
		}
		if reset {
			return errReenumerated
		}
	}
	return errReenumerated
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// errReenumerated: the board reset on purpose (option bytes written); wait
// for it and start again without counting an attempt.
var errReenumerated = errors.New("the board reset after its option bytes were written")

// checkAnyChip refuses an image that no chip of the database could hold:
// its span lies outside the flash of every known chip.
func checkAnyChip(img *firmware.Image) error {
	lo, hi := img.Span()
	var largest *part.Chip
	for _, c := range part.Chips() {
		r := c.FlashRange()
		if uint64(lo) >= uint64(r.Start) && uint64(hi) <= r.End() {
			return nil
		}
		if largest == nil || r.Size > largest.FlashRange().Size {
			largest = c
		}
	}
	if largest == nil {
		return nil
	}
	r := largest.FlashRange()
	return fmt.Errorf("the image spans 0x%08x-0x%08x (%d bytes): no chip softdfu knows has flash there (the largest, %s, has 0x%08x-0x%08x)", lo, hi-1, img.Size(), largest.Name, r.Start, r.End()-1)
}

// checkBootAnyChip refuses, before any board is touched, an image whose
// vector table at the flash base no known chip could start (an even reset
// vector, a stack or reset vector outside every chip's RAM and flash); the
// chip's own check follows once the board shows its part.
func checkBootAnyChip(img *firmware.Image) error {
	msp, reset, ok := img.VectorTable(part.FlashBase)
	if !ok {
		return nil
	}
	var why []string
	for _, c := range part.Chips() {
		if why = c.BootOK(msp, reset); len(why) == 0 {
			return nil
		}
	}
	if reset&1 == 0 {
		why = []string{fmt.Sprintf("reset vector 0x%08x is even (not a Thumb address)", reset)}
	}
	return &GuardError{Err: ErrUnbootable, Detail: fmt.Sprintf("at 0x%08x: %s, on every chip softdfu knows; is this the right file and load address?", uint32(part.FlashBase), strings.Join(why, "; "))}
}
