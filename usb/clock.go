package usb

import (
	"context"
	"time"
)

// Clock is the time a host waits in. Real backends use RealClock; the
// simulator hands out its own clock so that a host waiting for a poll
// timeout or an erase advances simulated time instead of sleeping.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or returns ctx.Err() if ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Clocked is implemented by devices and hosts whose time is not wall-clock
// time; ClockOf finds it.
type Clocked interface {
	Clock() Clock
}

// RealClock is wall-clock time.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep sleeps for d or until ctx ends.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 || ctx.Err() != nil {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ClockOf returns x's clock if it has one, else RealClock.
func ClockOf(x any) Clock {
	if c, ok := x.(Clocked); ok && c.Clock() != nil {
		return c.Clock()
	}
	return RealClock{}
}
