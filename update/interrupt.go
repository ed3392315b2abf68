package update

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/flash"
)

// RecoveryInterrupted is what to do with a board whose update was
// interrupted (Ctrl-C) at a block boundary: it is still in the bootloader.
const RecoveryInterrupted = "the update was interrupted between two requests; the board is still in the ROM bootloader: run the same command again to finish the job (it reads the board and writes only what is missing)"

// ErrInterrupted is the error of an update stopped at a block boundary;
// it is a context.Canceled (errors.Is), but its message says what happened
// in the update's terms.
var ErrInterrupted error = interrupted{}

type interrupted struct{}

func (interrupted) Error() string {
	return "interrupted: stopped between two requests, the board answered every one it was sent"
}

// Is makes an interruption a context.Canceled.
func (interrupted) Is(target error) bool { return target == context.Canceled }

// blockwise is a flash.Device that stops between requests when its
// caller's context ends: each operation runs under a context that is not
// cancelled, and the progress of each block (reported when the block is
// done) cancels it before the next one is sent.
type blockwise struct {
	flash.Device
	outer context.Context
}

func (b *blockwise) inner(progress func(int)) (context.Context, func(int), func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(b.outer))
	return ctx, func(n int) {
		if progress != nil {
			progress(n)
		}
		if b.outer.Err() != nil {
			cancel()
		}
	}, cancel
}

// stopped is the error of an operation that ran while the caller may have
// stopped: one that finished is a success (the next request is not sent).
func (b *blockwise) stopped(err error) error {
	if b.outer.Err() != nil && errors.Is(err, context.Canceled) {
		return ErrInterrupted
	}
	return err
}

// SetAddress is one request: it is sent unless the caller stopped.
func (b *blockwise) SetAddress(_ context.Context, addr uint32) error {
	if b.outer.Err() != nil {
		return ErrInterrupted
	}
	return b.Device.SetAddress(context.WithoutCancel(b.outer), addr)
}

// Erase is one request (the erase itself is never cut short).
func (b *blockwise) Erase(_ context.Context, addr uint32) error {
	if b.outer.Err() != nil {
		return ErrInterrupted
	}
	return b.stopped(b.Device.Erase(context.WithoutCancel(b.outer), addr))
}

// Download stops after the block in flight.
func (b *blockwise) Download(_ context.Context, addr uint32, data []byte, progress func(done int)) error {
	if b.outer.Err() != nil {
		return ErrInterrupted
	}
	ctx, p, cancel := b.inner(progress)
	defer cancel()
	return b.stopped(b.Device.Download(ctx, addr, data, p))
}

// Upload stops after the block in flight.
func (b *blockwise) Upload(_ context.Context, addr uint32, n int, progress func(done int)) ([]byte, error) {
	if b.outer.Err() != nil {
		return nil, ErrInterrupted
	}
	ctx, p, cancel := b.inner(progress)
	defer cancel()
	data, err := b.Device.Upload(ctx, addr, n, p)
	return data, b.stopped(err)
}

// assessContext is the context the board is read in after a failure: an
// interrupted job still reads what the board holds (read-only, briefly).
func assessContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx.Err() == nil {
		return ctx, func() {}
	}
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// Interrupted says, sector by sector, what an interrupted update left
// (r.State read back): done, partly written (with the bytes written),
// erased or untouched, and that the board is still in the ROM bootloader.
func (r *Report) Interrupted() string {
	written := map[int]flash.SectorResult{}
	if r.Result != nil {
		for _, s := range r.Result.Sectors {
			written[s.Index] = s
		}
	}
	words := map[string]string{SectorGood: "done", SectorPartial: "partly written", SectorOld: "untouched", SectorErased: "erased, not written yet"}
	by := map[string][]string{}
	var order []string
	for _, s := range r.State.Sectors {
		w := words[s.State]
		if w == "" {
			w = s.State
		}
		if by[w] == nil {
			order = append(order, w)
		}
		item := fmt.Sprintf("%d", s.Index)
		if res, ok := written[s.Index]; ok && s.State == SectorPartial {
			item += fmt.Sprintf(" (%d of %d bytes)", res.Written, res.Size)
		}
		by[w] = append(by[w], item)
	}
	var parts []string
	for _, w := range order {
		parts = append(parts, fmt.Sprintf("%s: sector(s) %s", w, strings.Join(by[w], ", ")))
	}
	return "interrupted: " + strings.Join(parts, "; ") + "; the board is still in the ROM bootloader"
}
