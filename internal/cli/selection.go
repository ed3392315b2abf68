package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// selection is how a command picks boards: --serial, --path, --uid, --id,
// --all, and --wait for a board that is not there yet.
type selection struct {
	board.Selector
	wait time.Duration
}

// oneFlags registers the flags of a command that works on one board at a
// time: the selection without --all.
func (s *selection) oneFlags(fs *pflag.FlagSet) {
	s.flags(fs)
	_ = fs.MarkHidden("all")
}

func (s *selection) flags(fs *pflag.FlagSet) {
	fs.StringVar(&s.Serial, "serial", "", "the board with this USB serial number")
	fs.StringVar(&s.Path, "path", "", "the board on this USB port path (for example 1-1.4)")
	fs.StringVar(&s.UID, "uid", "", "the board with this 96-bit unique ID (24 hex digits, as its application reports it); in the bootloader it is matched by the ROM serial the UID gives")
	fs.StringVar(&s.VIDPID, "id", "", "the board with this USB `VID:PID` (for example 0483:df11)")
	fs.BoolVar(&s.All, "all", false, "every matching board, in parallel")
	fs.DurationVar(&s.wait, "wait", 0, "wait up to this `duration` for a matching board to appear (plugged in, or put in DFU mode by hand)")
}

// check refuses a malformed --uid or --id before any board is looked at.
func (s *selection) check() error {
	if s.UID != "" {
		if _, err := board.ParseUID(s.UID); err != nil {
			return usageError("--uid %q: give the 96-bit unique ID as 24 hex digits, for example 30002D000B51343333353132", s.UID)
		}
	}
	if err := s.Check(); err != nil {
		return usageError("--id: %v", err)
	}
	return nil
}

// query is the selection as a board.Query for boards that want accepts.
func (e *env) query(s *selection, what string, want func(board.Board) bool) board.Query {
	return board.Query{Selector: s.Selector, Want: want, What: what, Wait: s.wait, Events: func(ev board.Event) {
		if w, ok := ev.(board.Waiting); ok {
			e.say("waiting up to %v for a %s to appear (plug it in, or hold BOOT0 high and press reset)", w.For, w.What)
		}
	}}
}

// pick returns the host and the boards the selection names among those
// want accepts. Without --all exactly one must match.
func (e *env) pick(ctx context.Context, s *selection, what string, want func(board.Board) bool) (usb.Host, []board.Board, error) {
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	host, err := e.host(ctx)
	if err != nil {
		return nil, nil, err
	}
	bs, err := board.Select(ctx, host, e.query(s, what, want))
	return host, bs, selectionError(err)
}

// openSession selects one board in DFU mode, opens it and brings it to
// dfuIDLE on alternate setting 0 (internal flash).
func (e *env) openSession(ctx context.Context, sel *selection, what string, opts *board.Options) (*board.Session, error) {
	if sel.All {
		return nil, usageError("%s works on one board at a time: choose it with --serial, --path or --uid", what)
	}
	if err := sel.check(); err != nil {
		return nil, err
	}
	host, err := e.host(ctx)
	if err != nil {
		return nil, err
	}
	b, err := board.SelectDFU(ctx, host, e.query(sel, "", nil))
	if errors.Is(err, board.ErrNotInDFU) && what != "info" && what != "unprotect" && what != "leave" {
		// A board running its application softdfu can enter from
		// software: enter its bootloader, as flash does.
		if app, aerr := board.Select(ctx, host, e.query(sel, "", func(b board.Board) bool { return enter.Updatable(b, false) })); aerr == nil {
			return e.enterAndOpen(ctx, host, app[0], opts)
		}
	}
	if errors.Is(err, board.ErrNotInDFU) {
		return nil, fmt.Errorf("%w (or run softdfu enter)", err)
	}
	if err != nil {
		return nil, selectionError(err)
	}
	return e.open(ctx, host, b.Info, opts)
}

// enterAndOpen brings a board that runs its application into the ROM
// bootloader from software and opens it there; release starts the
// application again.
func (e *env) enterAndOpen(ctx context.Context, host usb.Host, app board.Board, opts *board.Options) (*board.Session, error) {
	res, err := enter.Enter(ctx, host, app.Info, enter.Options{})
	if err != nil {
		return nil, err
	}
	e.say("%s: entered the ROM bootloader from software with %s", app.Path, res.Method)
	s, err := e.open(ctx, host, res.ROM, opts)
	if err == nil {
		e.entered = append(e.entered, s)
	}
	return s, err
}

// release closes a session; a board entered from software for a
// read-only command leaves the bootloader and starts its application again.
func (e *env) release(ctx context.Context, s *board.Session) {
	if !slices.Contains(e.entered, s) {
		s.Close()
		return
	}
	base := uint32(part.FlashBase)
	if err := s.Leave(ctx, &base, nil); err != nil {
		e.warn("%s: leaving the bootloader again failed: %v", s.Board.Path, err)
		return
	}
	app, err := s.Confirm(ctx, 0, nil)
	if err == nil && app != nil {
		e.say("%s: left the bootloader again; the application runs: %s %s", s.Board.Path, app.ID(), app.Descriptors.ProductName())
	}
}

// open opens a board in DFU mode, with -v's transcript.
func (e *env) open(ctx context.Context, host usb.Host, info usb.DeviceInfo, opts *board.Options) (*board.Session, error) {
	if opts == nil {
		opts = &board.Options{}
	}
	if e.verbose {
		opts.DFU.Log = func(line string) { fmt.Fprintf(e.stderr, "%s: %s\n", info.Path, line) }
	}
	opts.DFU.NoQueue = e.noQueue
	return board.Open(ctx, host, info, opts)
}

// selectionError says what a failed selection found, in flags.
func selectionError(err error) error {
	var se *board.SelectError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.K == board.Ambiguous:
		return board.Errorf(se.K, "%d boards match; choose one with --serial, --path or --uid, or use --all:\n%s", len(se.Matches), board.Candidates(se.Matches, "--path "))
	case se.K == board.Timeout:
		return board.Errorf(se.K, "no %s matching the selection appeared within %v; boards present:\n%s", se.What, se.Waited, board.Candidates(se.Present, "--path "))
	case len(se.Present) == 0:
		return board.Errorf(se.K, "no boards found: connect one and put it in the ROM bootloader (BOOT0 high, reset), or check the cable and softdfu list; --wait DURATION waits for one")
	}
	return board.Errorf(se.K, "no %s matches the selection; boards present:\n%s", se.What, board.Candidates(se.Present, "--path "))
}
