package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
)

// session is one board in the ROM bootloader, opened for a command that
// talks DFU to it directly (read, erase, verify, leave, unprotect,
// option-bytes).
type session struct {
	host  usb.Host
	board board
	dev   usb.Device
	conn  *dfu.Conn
	itf   dfu.Interface
}

// openSession selects one board in DFU mode, opens it and brings it to
// dfuIDLE on alternate setting 0 (internal flash).
func (e *env) openSession(ctx context.Context, sel *selection, what string, opts *dfu.Options) (*session, error) {
	if sel.all {
		return nil, usageError("%s works on one board at a time: choose it with --serial, --path or --uid", what)
	}
	host, bs, err := e.pick(ctx, sel, "board in DFU mode", func(b board) bool { return b.Mode == "dfu" })
	if err != nil {
		var ce *cliError
		if errors.As(err, &ce) && ce.name == "no_device" {
			if _, apps, err2 := e.pick(ctx, &selection{serial: sel.serial, path: sel.path, uid: sel.uid, all: true}, "board", nil); err2 == nil && len(apps) > 0 {
				a := apps[0]
				return nil, fmt.Errorf("%s (%s %s): %w: it runs an application; put it in the ROM bootloader first: hold BOOT0 high and press reset (or run softdfu enter)", a.Path, a.ID, a.Product, update.ErrNotInDFU)
			}
		}
		return nil, err
	}
	return e.openBoard(ctx, host, bs[0], opts)
}

// openBoard opens a board in DFU mode.
func (e *env) openBoard(ctx context.Context, host usb.Host, b board, opts *dfu.Options) (*session, error) {
	if opts == nil {
		opts = &dfu.Options{}
	}
	if e.verbose {
		opts.Log = func(line string) { fmt.Fprintf(e.stderr, "%s: %s\n", b.Path, line) }
	}
	var itf *dfu.Interface
	for _, c := range b.info.Descriptors.Configs {
		for _, i := range dfu.FindInterfaces(c) {
			if !i.RunTime() && itf == nil {
				itf = &i
			}
		}
	}
	if itf == nil {
		return nil, fmt.Errorf("%s: %w", b.Path, update.ErrNotInDFU)
	}
	dev, err := host.Open(ctx, b.info)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", b.Path, err)
	}
	conn, err := dfu.Open(ctx, dev, itf.Number, 0, opts)
	if err == nil {
		err = conn.Recover(ctx)
	}
	if err != nil {
		dev.Close()
		return nil, err
	}
	return &session{host: host, board: b, dev: dev, conn: conn, itf: *itf}, nil
}

func (s *session) close() { s.dev.Close() }

// selectAlt selects the alternate setting whose memory name starts with
// name ("Option Bytes") and returns its layout.
func (s *session) selectAlt(ctx context.Context, name string) (dfu.Layout, error) {
	for _, a := range s.itf.Alts {
		str, err := usb.ReadString(ctx, s.dev, a.StringIndex)
		if err != nil {
			return dfu.Layout{}, fmt.Errorf("reading the name of alternate setting %d: %w", a.Alternate, err)
		}
		l, err := dfu.ParseLayout(str)
		if err != nil || !strings.HasPrefix(l.Name, name) {
			continue
		}
		if err := s.conn.SelectAlt(ctx, a.Alternate); err != nil {
			return dfu.Layout{}, err
		}
		return l, nil
	}
	return dfu.Layout{}, fmt.Errorf("%s has no %q alternate setting: is it an STM32F4 ROM bootloader?", s.board.Path, name)
}

// followReset waits for the board on path to come back after a reset and
// returns it, with want deciding what counts (nil: anything). It returns
// nil, nil when nothing came within timeout.
func (e *env) followReset(ctx context.Context, host usb.Host, path string, timeout time.Duration, want func(board) bool) (*board, error) {
	clock := usb.ClockOf(host)
	deadline := clock.Now().Add(timeout)
	for {
		infos, err := host.Devices(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		for _, info := range infos {
			if info.Path != path {
				continue
			}
			b := describe(ctx, host, info)
			if want == nil || want(b) {
				return &b, nil
			}
		}
		if !clock.Now().Before(deadline) {
			return nil, nil
		}
		if err := clock.Sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func inDFU(b board) bool { return b.Mode == "dfu" }

// result emits the result event of a board (with --json): ok, or the error
// with its stable code.
func (e *env) result(board string, err error, data map[string]any) {
	ev := event{Event: "result", Board: board, OK: ptr(err == nil), Data: data}
	if err != nil {
		_, code := classify(err)
		ev.Error = &eventError{Code: code, Message: err.Error()}
	}
	e.emit(ev)
}
