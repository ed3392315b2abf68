package enter

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// OpenOptions say how Open opens a board.
type OpenOptions struct {
	// Enter, when set, lets Open bring a board that runs an application
	// this package can enter from software into its ROM bootloader; nil
	// opens boards in DFU mode only.
	Enter *Options
	// Board returns the session's options for the bootloader device it
	// opens (nil: the defaults).
	Board func(rom usb.DeviceInfo) *board.Options
	// Entered, when set, is told that app was entered from software,
	// before the bootloader is opened.
	Entered func(app board.Board, res *Result)
}

// Open selects the one board q names in the ROM bootloader and opens it
// (dfuIDLE, alternate setting 0 unless the options say otherwise). When
// the selection names only boards that run their application, the error
// wraps board.ErrNotInDFU; with o.Enter, such a board that can be entered
// from software is entered first, and res says how: Leave then starts the
// application again once the operation is done.
func Open(ctx context.Context, host usb.Host, q board.Query, o OpenOptions) (s *board.Session, res *Result, err error) {
	b, err := board.SelectDFU(ctx, host, q)
	if errors.Is(err, board.ErrNotInDFU) && o.Enter != nil {
		app := q
		app.Want = func(b board.Board) bool { return Updatable(b, false) }
		if apps, aerr := board.Select(ctx, host, app); aerr == nil {
			if res, err = Enter(ctx, host, apps[0].Info, *o.Enter); err != nil {
				return nil, nil, err
			}
			if o.Entered != nil {
				o.Entered(apps[0], res)
			}
			s, err = board.Open(ctx, host, res.ROM, o.options(res.ROM))
			return s, res, err
		}
	}
	if err != nil {
		return nil, nil, err
	}
	s, err = board.Open(ctx, host, b.Info, o.options(b.Info))
	return s, nil, err
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
