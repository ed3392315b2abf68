package board

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
)

// Flash returns the layout of internal flash (the session must be on
// alternate setting 0) and its first and last sectors.
func (s *Session) Flash() (dfu.Layout, []dfu.Sector, error) {
	l := s.Layout()
	all := l.All()
	if len(all) == 0 {
		return l, nil, fmt.Errorf("%s: alternate setting %d has no memory map", s.Board.Path, s.conn.Alt())
	}
	return l, all, nil
}

// ReadInput is what to read as a front end takes it, written out: the
// first address (ParseAddress; "" is the flash base) and the byte count
// (ParseSize; "" is to the end of flash).
type ReadInput struct{ Address, Length string }

// Parse reads the input into ReadRange's arguments; a field that cannot
// be read is a *FieldError naming "address" or "length".
func (in ReadInput) Parse() (addr *uint32, n int, err error) {
	if in.Address != "" {
		a, err := ParseAddress(in.Address)
		if err != nil {
			return nil, 0, &FieldError{"address", in.Address, err}
		}
		addr = &a
	}
	if in.Length != "" {
		if n, err = ParseSize(in.Length); err != nil {
			return nil, 0, &FieldError{"length", in.Length, err}
		}
	}
	return addr, n, nil
}

// ReadRange returns the range Read reads by default, or checks the one
// asked for: from addr (nil: the first sector) for n bytes (0: to the end
// of the memory map).
func (s *Session) ReadRange(addr *uint32, n int) (uint32, int, error) {
	l, all, err := s.Flash()
	if err != nil {
		return 0, 0, err
	}
	start := all[0].Address
	if addr != nil {
		start = *addr
	}
	if n == 0 {
		n = int(all[len(all)-1].End()) - int(start)
	}
	if n <= 0 || !l.Inside(start, uint64(n), dfu.Readable) {
		return 0, 0, Errorf(Usage, "%d bytes at 0x%08x are not all readable: the board's memory is %s", max(n, 0), start, l.Describe(dfu.Readable))
	}
	return start, n, nil
}

// Read uploads n bytes at addr, reporting the Reading phase. A board
// under read protection gives an error wrapping ErrReadProtected.
func (s *Session) Read(ctx context.Context, addr uint32, n int, events func(Event)) ([]byte, error) {
	emit(events, PhaseStarted{Phase: Reading})
	data, err := s.conn.Upload(ctx, addr, n, func(done int) { emit(events, Progress{Reading, done, n}) })
	return data, readError(err)
}

// readError marks the vendor error an STM32 ROM answers to a read under
// read protection.
func readError(err error) error {
	var se *dfu.StatusError
	if errors.As(err, &se) && se.Status == dfu.ErrVendor {
		return fmt.Errorf("%w (%w)", err, ErrReadProtected)
	}
	return err
}

// Comparison is what Verify found.
type Comparison struct {
	// Bytes is the number of bytes compared; Differing how many differ.
	Bytes, Differing int
	// First is the first differing address (valid when Differing > 0),
	// with the image's byte (Want) and the board's (Got).
	First     uint32
	Want, Got byte
}

// DiffError reports a board whose content differs from an image.
type DiffError struct{ Comparison }

// Kind is Verify.
func (e *DiffError) Kind() Kind { return Verify }

// Error names the first difference.
func (e *DiffError) Error() string {
	return fmt.Sprintf("the board differs from the image: first difference at 0x%08x (image 0x%02x, board 0x%02x); %d of %d bytes differ",
		e.First, e.Want, e.Got, e.Differing, e.Bytes)
}

// CheckReadable refuses an image for other alternate settings than
// internal flash or with bytes outside the readable memory (an Input
// error).
func (s *Session) CheckReadable(img *firmware.Image) error {
	l := s.Layout()
	for _, seg := range img.Segments {
		if seg.Alt != 0 {
			return Errorf(Input, "a segment is for alternate setting %d at 0x%08x: only internal flash (alt 0) is verified", seg.Alt, seg.Address)
		}
		if at, out := l.FirstOutside(seg.Address, uint64(len(seg.Data)), dfu.Readable); out {
			return Errorf(Input, "byte at 0x%08x is outside the board's readable memory %s", at, l.Describe(dfu.Readable))
		}
	}
	return nil
}

// Verify reads back every byte of img's segments and compares; nothing is
// written. A difference is a *DiffError (with the comparison).
func (s *Session) Verify(ctx context.Context, img *firmware.Image, events func(Event)) (Comparison, error) {
	c := Comparison{Bytes: img.Size()}
	if err := s.CheckReadable(img); err != nil {
		return c, err
	}
	emit(events, PhaseStarted{Phase: Verifying})
	done := 0
	for _, seg := range img.Segments {
		data, err := s.conn.Upload(ctx, seg.Address, len(seg.Data), func(n int) { emit(events, Progress{Verifying, done + n, c.Bytes}) })
		if err != nil {
			return c, readError(err)
		}
		done += len(seg.Data)
		for i := range data {
			if data[i] != seg.Data[i] {
				if c.Differing == 0 {
					c.First, c.Want, c.Got = seg.Address+uint32(i), seg.Data[i], data[i]
				}
				c.Differing++
			}
		}
	}
	if c.Differing > 0 {
		return c, &DiffError{c}
	}
	return c, nil
}
