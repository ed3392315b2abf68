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
	// forgiven is the wall time up to which late wake-ups have been
	// taken out of the clock (see Sleep).
	forgiven time.Time
}

// NewClock returns a clock at the epoch running at the given speed factor.
func NewClock(speed float64) *Clock {
	return &Clock{speed: speed, wallStart: time.Now()}
}

// catchUp makes simulated time follow wall time that passed while nothing
// advanced the clock (at speed > 0 the world does not stand still while a
// host computes). Call with c.mu held.
func (c *Clock) catchUp() {
	if c.speed <= 0 {
		return
	}
	if w := c.simStart + time.Duration(float64(time.Since(c.wallStart))*c.speed); w > c.now {
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
//
// A timer fires late, by tens of microseconds on an idle machine and by
// milliseconds on a busy one. That delay belongs to the simulation, not to
// the world it models: Sleep takes it out of the clock (the wall origin
// moves on by it), so simulated time does not grow with it, while time a
// host spends computing between sleeps still counts. Wall time then runs
// behind the clock by the sum of those delays; BenchmarkClockSpeed1
// measures by how much.
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
		c.forgive(target)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// forgive takes the lateness of a wake-up due at target out of the clock,
// counting every wall instant once when several sleepers wake late.
func (c *Clock) forgive(target time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	from := target
	if c.forgiven.After(from) {
		from = c.forgiven
	}
	if late := now.Sub(from); late > 0 && !target.Before(c.wallStart) {
		c.wallStart = c.wallStart.Add(late)
	}
	c.forgiven = now
}

// skip advances simulated time by d without sleeping: the next Sleep
// waits for it too, so a wait and a transfer cost one timer wake-up.
func (c *Clock) skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.catchUp()
	c.now += max(d, 0)
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
