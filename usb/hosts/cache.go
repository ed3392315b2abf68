package hosts

import (
	"sync"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// Cache keeps the host of one run: built from a Choice on first use and
// the same for every later use, so that the commands of a run see the same
// simulated boards. It is safe for concurrent use; the zero Cache is empty.
type Cache struct {
	mu    sync.Mutex
	host  usb.Host
	world *sim.World
}

// Host returns the kept host, or builds one with New from choose() and
// keeps it. choose is called only when nothing is kept yet; an error (an
// *Error) keeps nothing, so a later call tries again.
func (c *Cache) Host(choose func() Choice) (usb.Host, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.host != nil {
		return c.host, nil
	}
	host, w, err := New(choose())
	if err != nil {
		return nil, err
	}
	c.host, c.world = host, w
	return host, nil
}

// Use keeps h as the host, for a front end that builds its own (World,
// or a host of its tests); h is the kept world too when it is a
// *sim.World.
func (c *Cache) Use(h usb.Host) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.host = h
	c.world, _ = h.(*sim.World)
}

// World returns the simulated world when the kept host is one, else nil.
func (c *Cache) World() *sim.World {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.world
}
