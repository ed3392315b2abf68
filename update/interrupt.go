package update

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/flash"
)

// RecoveryInterrupted is what to do with a board whose update was
// interrupted (Ctrl-C) at a block boundary: it is still in the bootloader.
const RecoveryInterrupted = "the update was interrupted between two requests; the board is still in the ROM bootloader: run the same command again to finish the job (it reads the board and writes only what is missing)"

// ErrInterrupted wraps context.Canceled for an update stopped at a block
// boundary.
var ErrInterrupted = fmt.Errorf("interrupted: stopped between two requests, the board answered every one it was sent: %w", context.Canceled)

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

func (b *blockwise) stopped(err error) error {
	if b.outer.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
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
