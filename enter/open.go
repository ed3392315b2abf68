package enter

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Purpose is what Open opens a board for. It says whether a board that
// runs its application is entered from software first, and whether
// Session.Release starts that application again.
type Purpose int

const (
	// ForBootloader: the operation concerns the bootloader itself
	// (describe it, remove its read protection, leave it): a board that
	// runs its application is not entered.
	ForBootloader Purpose = iota
	// ForReading: the operation changes nothing (read, verify): a board
	// that runs its application is entered, and Release leaves the
	// bootloader again so that the board runs as it did.
	ForReading
	// ForChanging: the operation changes the board (erase, option
	// bytes): a board that runs its application is entered and stays in
	// the bootloader.
	ForChanging
)

// OpenOptions say how Open opens a board.
type OpenOptions struct {
	// For is what the session is for (ForBootloader unless Enter is set).
	For Purpose
	// Enter, when set, lets Open bring a board that runs an application
	// this package can enter from software into its ROM bootloader, with
	// these options; For ForReading and ForChanging enter with the
	// defaults when Enter is nil.
	Enter *Options
	// Board returns the session's options for the bootloader device it
	// opens (nil: the defaults).
	Board func(rom usb.DeviceInfo) *board.Options
	// Entered, when set, is told that app was entered from software,
	// before the bootloader is opened.
	Entered func(app board.Board, res *Result)
}

// Session is a board Open opened in its ROM bootloader.
type Session struct {
	*board.Session
	// Entered says how a board that ran its application was entered
	// from software; nil when it was in the bootloader already.
	Entered *Result
	purpose Purpose
}

// Open selects the one board q names in the ROM bootloader and opens it
// (dfuIDLE, alternate setting 0 unless the options say otherwise). When
// the selection names only boards that run their application, the error
// wraps board.ErrNotInDFU; for reading or changing (o.For) or with
// o.Enter, such a board that can be entered from software is entered
// first, and the session's Entered says how.
func Open(ctx context.Context, host usb.Host, q board.Query, o OpenOptions) (*Session, error) {
	b, err := board.SelectDFU(ctx, host, q)
	if errors.Is(err, board.ErrNotInDFU) && (o.Enter != nil || o.For != ForBootloader) {
		app := q
		app.Want = func(b board.Board) bool { return Updatable(b, false) }
		if apps, aerr := board.Select(ctx, host, app); aerr == nil {
			opts := Options{}
			if o.Enter != nil {
				opts = *o.Enter
			}
			res, err := Enter(ctx, host, apps[0].Info, opts)
			if err != nil {
				return nil, err
			}
			if o.Entered != nil {
				o.Entered(apps[0], res)
			}
			return o.open(ctx, host, res.ROM, res)
		}
	}
	if err != nil {
		return nil, err
	}
	return o.open(ctx, host, b.Info, nil)
}

// open opens the bootloader rom, entered as res says.
func (o *OpenOptions) open(ctx context.Context, host usb.Host, rom usb.DeviceInfo, res *Result) (*Session, error) {
	s, err := board.Open(ctx, host, rom, o.options(rom))
	if err != nil {
		return nil, err
	}
	return &Session{Session: s, Entered: res, purpose: o.For}, nil
}

// Release ends the session. A board entered from software for reading
// leaves the bootloader and starts its application again (Leave): app is
// the application's device, nil when none appeared, and err says leaving
// failed. Other sessions are closed, and their boards stay as they are.
func (s *Session) Release(ctx context.Context) (app *usb.DeviceInfo, err error) {
	if s.Entered == nil || s.purpose != ForReading {
		s.Close()
		return nil, nil
	}
	return Leave(ctx, s.Session)
}

func (o *OpenOptions) options(rom usb.DeviceInfo) *board.Options {
	if o.Board == nil {
		return nil
	}
	return o.Board(rom)
}

// Leave puts a board Open entered from software back: it leaves the
// bootloader for the application at the flash base and waits, as long as
// the board's clock allows by default, for the application on USB. The
// error says leaving failed; app is nil when no application appeared.
func Leave(ctx context.Context, s *board.Session) (app *usb.DeviceInfo, err error) {
	base := uint32(part.FlashBase)
	if err := s.Leave(ctx, &base, nil); err != nil {
		return nil, err
	}
	app, err = s.Confirm(ctx, 0, nil)
	if err != nil {
		return nil, nil
	}
	return app, nil
}

// All enters the bootloader of each board in turn, telling report how
// each went. The error is that of the one board when there is one, and
// says how many failed when there are several.
func All(ctx context.Context, host usb.Host, boards []board.Board, opts Options, report func(board.Board, *Result, error)) error {
	var first error
	failed := 0
	for _, b := range boards {
		res, err := Enter(ctx, host, b.Info, opts)
		report(b, res, err)
		if err != nil {
			failed++
			if first == nil {
				first = err
			}
		}
	}
	if failed > 0 && len(boards) > 1 {
		return fmt.Errorf("%d of %d boards did not enter the bootloader; first: %w", failed, len(boards), first)
	}
	return first
}
