package sim

import (
	"context"
	"sync"
	"time"
)

// epoch is the simulated time at which every board's clock starts.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Clock is a board's simulated time. Advancing it by d costs d/speed of wall
// time (nothing at speed 0). Wall time is paced against a fixed start, so
// rounding in many small steps does not add up. It implements usb.Clock.
type Clock struct {
	mu        sync.Mutex
	now       time.Duration // simulated time since epoch
	speed     float64
	wallStart time.Time
	simStart  time.Duration
}

// NewClock returns a clock at the epoch running at the given speed factor.
func NewClock(speed float64) *Clock {
	return &Clock{speed: speed, wallStart: time.Now()}
}

// catchUpSlack is how far wall time may run ahead of simulated time before
// the clock catches up. Timer wake-ups come late by tens or hundreds of
// microseconds; absorbing every such delay into simulated time would add
// them all up (a transfer of 1 ms would cost 1.1 ms). Within the slack the
// next Sleep is shortened instead, so wall time keeps following the clock.
const catchUpSlack = 2 * time.Millisecond

// catchUp makes simulated time follow wall time that passed while nothing
// advanced the clock (at speed > 0 the world does not stand still while a
// host computes), keeping it at most catchUpSlack behind. Call with c.mu
// held.
func (c *Clock) catchUp() {
	if c.speed <= 0 {
		return
	}
	slack := time.Duration(float64(catchUpSlack) * c.speed)
	if w := c.simStart + time.Duration(float64(time.Since(c.wallStart))*c.speed) - slack; w > c.now {
		c.now = w
	}
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time {
	return epoch.Add(c.Elapsed())
}

// Elapsed returns the simulated time since the epoch.
func (c *Clock) Elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catchUp()
	return c.now
}

// Sleep advances simulated time by d, sleeping d/speed of wall time. It
// returns ctx.Err() if ctx ends first; simulated time has then advanced
// only as far as the wall time that passed.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d < 0 {
		d = 0
	}
	c.mu.Lock()
	c.catchUp()
	c.now += d
	speed := c.speed
	target := time.Time{}
	if speed > 0 {
		target = c.wallStart.Add(time.Duration(float64(c.now-c.simStart) / speed))
	}
	c.mu.Unlock()
	if speed <= 0 {
		return nil
	}
	wait := time.Until(target)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetSpeed changes the speed factor from now on.
func (c *Clock) SetSpeed(speed float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catchUp()
	c.speed = speed
	c.wallStart = time.Now()
	c.simStart = c.now
}

// Speed returns the speed factor.
func (c *Clock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}
