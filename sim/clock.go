package sim

import (
	"context"
	"sync"
	"time"
)

// epoch is the simulated time at which every board's clock starts.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Clock is a board's simulated time. Advancing it by d costs d/speed of wall
// time (nothing at speed 0).
//
// Wall time is paced against a fixed anchor, so that simulated and wall time
// stay together over a long run: a timer that fires late (the operating
// system's scheduling) makes the clock lag its anchor, and the next wait is
// that much shorter, so lateness never adds up. Wall time that no simulated
// wait accounts for (a host computing between requests) counts as simulated
// time, as it would pass for a real device. It implements usb.Clock.
type Clock struct {
	mu        sync.Mutex
	now       time.Duration // simulated time since epoch
	speed     float64
	wallStart time.Time     // the anchor: wallStart is simulated time simStart
	simStart  time.Duration //
	// lag is how far wall time is past the anchor's time for now (late
	// timer wake-ups not yet paid back; negative when simulated time ran
	// ahead without sleeping, see skip).
	lag time.Duration
}

// NewClock returns a clock at the epoch running at the given speed factor.
func NewClock(speed float64) *Clock {
	return &Clock{speed: speed, wallStart: time.Now()}
}

// anchor returns the wall time at which simulated time sim is due. Call
// with c.mu held and c.speed > 0.
func (c *Clock) anchor(sim time.Duration) time.Time {
	return c.wallStart.Add(time.Duration(float64(sim-c.simStart) / c.speed))
}

// catchUp counts wall time that passed while nothing advanced the clock (at
// speed > 0 the world does not stand still while a host computes). Call
// with c.mu held.
func (c *Clock) catchUp() {
	if c.speed <= 0 {
		return
	}
	if excess := time.Since(c.anchor(c.now)) - c.lag; excess > 0 {
		c.now += time.Duration(float64(excess) * c.speed)
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

// Sleep advances simulated time by d, sleeping until it is due in wall time
// (less any lag from late wake-ups before). It returns ctx.Err() if ctx ends
// first.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.catchUp()
	c.now += max(d, 0)
	if c.speed <= 0 {
		c.mu.Unlock()
		return nil
	}
	due := c.anchor(c.now)
	wait := time.Until(due)
	if wait <= 0 {
		// Behind: this wait pays back earlier lateness.
		c.lag = -wait
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		c.mu.Lock()
		c.lag = max(time.Since(due), 0)
		c.mu.Unlock()
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// skip advances simulated time by d without sleeping: the next Sleep
// waits for it too, so a wait and a transfer cost one timer wake-up.
func (c *Clock) skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catchUp()
	c.now += max(d, 0)
	if c.speed > 0 {
		c.lag -= time.Duration(float64(max(d, 0)) / c.speed)
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
	c.lag = 0
}

// Speed returns the speed factor.
func (c *Clock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}
