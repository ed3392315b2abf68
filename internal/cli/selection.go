package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
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

// openSession selects one board in DFU mode for what, opens it and brings
// it to dfuIDLE on alternate setting 0 (internal flash). A board running
// its application softdfu can enter from software has its bootloader
// entered as the purpose says (package enter); release starts the
// application again after reading.
func (e *env) openSession(ctx context.Context, sel *selection, what string, purpose enter.Purpose) (*enter.Session, error) {
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
	o := enter.OpenOptions{For: purpose, Board: func(rom usb.DeviceInfo) *board.Options {
		opts := &board.Options{}
		opts.DFU.Log, opts.DFU.NoQueue = e.transcript(rom.Path+": "), e.noQueue
		return opts
	}, Entered: func(app board.Board, res *enter.Result) {
		e.say("%s: entered the ROM bootloader from software with %s", app.Path, res.Method)
	}}
	s, err := enter.Open(ctx, host, e.query(sel, "", nil), o)
	if errors.Is(err, board.ErrNotInDFU) {
		return nil, fmt.Errorf("%w (or run softdfu enter)", err)
	}
	return s, selectionError(err)
}

// release ends a session and says how a board entered for reading left
// the bootloader again.
func (e *env) release(ctx context.Context, s *enter.Session) {
	app, err := s.Release(ctx)
	if err != nil {
		e.warn("%s: leaving the bootloader again failed: %v", s.Board.Path, err)
	} else if app != nil {
		e.say("%s: left the bootloader again; the application runs: %s %s", s.Board.Path, app.ID(), app.Descriptors.ProductName())
	}
}

// transcript is -v's transcript of DFU requests on stderr, each line
// after prefix; nil without -v.
func (e *env) transcript(prefix string) func(string) {
	if !e.verbose {
		return nil
	}
	return func(line string) { fmt.Fprintf(e.stderr, "%s%s\n", prefix, line) }
}

// selectionError says what a failed selection found, in flags.
func selectionError(err error) error {
	var se *board.SelectError
	if !errors.As(err, &se) {
		return err
	}
	return se.In(board.Advice{Narrow: "choose one with --serial, --path or --uid, or use --all", Lead: "--path ", NoBoards: " and softdfu list; --wait DURATION waits for one"})
}
