package update

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
// was erased or written. Options.Force overrides it.
type GuardError struct {
	Err    error
	Detail string
}

// Error says what is wrong and what to do.
func (e *GuardError) Error() string {
	return fmt.Sprintf("%v: %s; nothing was erased or written (--force overrides this check)", e.Err, e.Detail)
}

// Unwrap returns the sentinel.
func (e *GuardError) Unwrap() error { return e.Err }

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
	chip, _ := Chip(usb.DeviceDescriptor{}, l)
	why := chip.BootOK(msp, reset)
	if len(why) == 0 {
		return nil
	}
	return &GuardError{Err: ErrUnbootable, Detail: fmt.Sprintf("at 0x%08x: %s; is this the right file and --address?", base, strings.Join(why, "; "))}
}

// protection is the option bytes as the survey read them.
type protection struct {
	addrs  []uint32
	blocks []optionbytes.Block
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

// readProtection reads the option-byte blocks when conn is on alternate
// setting 1, then selects alternate setting 0 (internal flash). On another
// alternate setting it reads nothing and returns nil.
func readProtection(ctx context.Context, conn *dfu.Conn) (*protection, error) {
	if conn.Alt() != 1 {
		return nil, nil
	}
	p := &protection{}
	var rerr error
	for _, r := range conn.Layout().Regions {
		b, err := conn.Upload(ctx, r.Address, optionbytes.Size, nil)
		if err != nil {
			rerr = fmt.Errorf("reading the option bytes at 0x%08x: %w", r.Address, err)
			break
		}
		blk, err := optionbytes.Decode(b)
		if err != nil {
			rerr = err
			break
		}
		p.addrs, p.blocks = append(p.addrs, r.Address), append(p.blocks, blk)
	}
	if rerr == nil {
		// Leave dfuUPLOAD-IDLE while the state is known: one request
		// instead of a recovery after the switch.
		if err := conn.Abort(ctx); err != nil {
			return nil, err
		}
	}
	if err := conn.SelectAlt(ctx, 0); err != nil {
		return nil, err
	}
	return p, rerr
}

// protected returns the sectors of the plan's touched set that are
// write-protected.
func (p *protection) protected(chip *part.Chip, touched []dfu.Sector) []dfu.Sector {
	if p == nil {
		return nil
	}
	var out []dfu.Sector
	for _, s := range touched {
		blk, bit := chip.WRPBit(s.Address)
		if blk >= 0 && blk < len(p.blocks) && p.blocks[blk].NWRP&(1<<bit) == 0 {
			out = append(out, s)
		}
	}
	return out
}

// unprotect clears the write protection of sectors by writing the option
// bytes; the chip resets afterwards. It never changes the RDP byte.
func (p *protection) unprotect(ctx context.Context, conn *dfu.Conn, chip *part.Chip, secs []dfu.Sector) error {
	next := append([]optionbytes.Block(nil), p.blocks...)
	for _, s := range secs {
		blk, bit := chip.WRPBit(s.Address)
		next[blk].NWRP |= 1 << bit
	}
	if err := conn.SelectAlt(ctx, 1); err != nil {
		return err
	}
	for i := range next {
		if next[i].NWRP == p.blocks[i].NWRP {
			continue
		}
		data := next[i].Encode()
		if err := chip.CheckOptionWrite(p.addrs[i], data, false); err != nil {
			return err
		}
		reset, err := conn.WriteOptionBytes(ctx, p.addrs[i], data)
		if err != nil {
			return fmt.Errorf("removing write protection at 0x%08x: %w", p.addrs[i], err)
		}
		if reset {
			return errReenumerated
		}
	}
	return errReenumerated
}

// errReenumerated: the board reset on purpose (option bytes written); wait
// for it and start again without counting an attempt.
var errReenumerated = errors.New("the board reset after its option bytes were written")

func sectorList(secs []dfu.Sector) string {
	var s []string
	for _, x := range secs {
		s = append(s, fmt.Sprintf("%d (0x%08x)", x.Index, x.Address))
	}
	return strings.Join(s, ", ")
}
