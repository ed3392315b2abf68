package board

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Options tune Open.
type Options struct {
	// DFU tunes the protocol engine (timeouts, transcript).
	DFU dfu.Options
	// Alt is the alternate setting to open on (0: internal flash).
	Alt uint8
	// AbortManifest asks the state first and aborts a dfuMANIFEST-SYNC
	// left by a leave whose answer was lost, where the recovery's
	// GETSTATUS would start the application.
	AbortManifest bool
}

// Session is one board in the ROM bootloader, opened and claimed, its DFU
// state machine in dfuIDLE.
type Session struct {
	// Host is where the board was found.
	Host usb.Host
	// Board is the device as enumerated when the session opened.
	Board usb.DeviceInfo

	dev    usb.Device
	conn   *dfu.Conn
	itf    dfu.Interface
	opts   Options
	closed bool
	clock  usb.Clock  // the board's, kept when the session closes
	flash  dfu.Layout // internal flash, once alternate setting 0 was selected
	other  []string   // the other alternate settings' strings seen so far
	gone   bool       // the host saw the ROM drop off the bus in Leave
}

// Open opens the board described by info on host, claims its DFU
// interface and brings it to dfuIDLE on alternate setting opts.Alt.
func Open(ctx context.Context, host usb.Host, info usb.DeviceInfo, opts *Options) (*Session, error) {
	if opts == nil {
		opts = &Options{}
	}
	itf, err := DFUInterface(info)
	if err != nil {
		return nil, err
	}
	dev, err := host.Open(ctx, info)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", info.Path, err)
	}
	s := &Session{Host: host, Board: info, dev: dev, itf: itf, opts: *opts}
	if err := s.start(ctx); err != nil {
		dev.Close()
		return nil, err
	}
	return s, nil
}

func (s *Session) start(ctx context.Context) error {
	o := s.opts.DFU
	if o.Strings == nil {
		o.Strings = s.Board.Descriptors.Strings // the names a listing read
	}
	conn, err := dfu.Open(ctx, s.dev, s.itf.Number, s.opts.Alt, &o)
	if err != nil {
		return err
	}
	s.conn = conn
	s.noteFlash()
	if s.opts.AbortManifest {
		if st, err := conn.GetState(ctx); err == nil && st == dfu.StateManifestSync {
			if err := conn.Abort(ctx); err != nil {
				return err
			}
		}
	}
	err = conn.Recover(ctx)
	var se *dfu.StatusError
	if errors.As(err, &se) && se.State == dfu.StateDnbusy && !s.opts.DFU.ClearStuckBusy {
		// A ROM that stays in dfuDNBUSY after an erase (part.Quirks.
		// StaysBusy, STM32H743 rev V) left so by an earlier session:
		// clear it as that quirk needs.
		conn.SetClearStuckBusy(true)
		err = conn.Recover(ctx)
		conn.SetClearStuckBusy(false)
	}
	return err
}

// noteFlash keeps the layout of internal flash when alternate setting 0
// is selected.
func (s *Session) noteFlash() {
	if s.conn.Alt() == 0 {
		s.flash = s.conn.Layout()
	} else {
		s.other = append(s.other, s.conn.AltName())
	}
}

// Chip identifies the chip in the chip database (package part) from the
// device descriptor and the flash layout; known is false for a layout the
// database does not know.
func (s *Session) Chip() (chip *part.Chip, known bool) {
	return Chip(s.Board.Descriptors.Device, s.flash, s.other...)
}

// Conn is the DFU engine of the session.
func (s *Session) Conn() *dfu.Conn { return s.conn }

// Interface is the board's DFU interface.
func (s *Session) Interface() dfu.Interface { return s.itf }

// Layout is the memory map of the selected alternate setting.
func (s *Session) Layout() dfu.Layout { return s.conn.Layout() }

// Clock is the board's clock (simulated time for simulated boards).
func (s *Session) Clock() usb.Clock {
	if s.clock == nil {
		s.clock = usb.ClockOf(s.dev)
	}
	return s.clock
}

// Close releases the board. It is safe to call more than once.
func (s *Session) Close() {
	if !s.closed {
		s.closed = true
		s.dev.Close()
	}
}

// HasAlt reports whether the interface has alternate setting n.
func (s *Session) HasAlt(n uint8) bool {
	for _, a := range s.itf.Alts {
		if a.Alternate == n {
			return true
		}
	}
	return false
}

// SelectAlt selects the alternate setting whose memory name starts with
// name ("Option Bytes") and returns its layout.
func (s *Session) SelectAlt(ctx context.Context, name string) (dfu.Layout, error) {
	for _, a := range s.itf.Alts {
		str, err := s.conn.String(ctx, a.StringIndex)
		if err != nil {
			return dfu.Layout{}, fmt.Errorf("reading the name of alternate setting %d: %w", a.Alternate, err)
		}
		l, err := dfu.ParseLayout(str)
		// Case and a plural s aside: Artery's ROM says "Option byte".
		if err != nil || !strings.HasPrefix(strings.ToLower(l.Name), strings.ToLower(strings.TrimSuffix(name, "s"))) {
			continue
		}
		if err := s.conn.SelectAlt(ctx, a.Alternate); err != nil {
			return dfu.Layout{}, err
		}
		s.other = append(s.other, str)
		return l, nil
	}
	return dfu.Layout{}, fmt.Errorf("%s has no %q alternate setting: is it an STM32F4 ROM bootloader?", s.Board.Path, name)
}

// FollowReset closes the session and waits, for at most timeout of the
// board's clock, for the board to come back on its port after a reset: a
// device at a new bus address that want accepts (nil: any). It returns
// nil, nil when nothing came in time.
func (s *Session) FollowReset(ctx context.Context, timeout time.Duration, want func(usb.DeviceInfo) bool) (*usb.DeviceInfo, error) {
	clock := s.Clock()
	s.Close()
	old := s.Board.Address
	seen, err := Wait(ctx, s.Host, clock, timeout, OnPort(s.Board.Path, func(d usb.DeviceInfo) bool {
		return d.Address != old && (want == nil || want(d))
	}))
	if seen == nil || err != nil {
		return nil, err
	}
	return &seen.Device, nil
}

// Reopen follows a reset (FollowReset) into the ROM bootloader and opens
// the board again with the session's options. It returns nil, nil when
// the board did not come back in DFU mode in time.
func (s *Session) Reopen(ctx context.Context, timeout time.Duration) (*Session, error) {
	back, err := s.FollowReset(ctx, timeout, InDFU)
	if back == nil || err != nil {
		return nil, err
	}
	return Open(ctx, s.Host, *back, &s.opts)
}
