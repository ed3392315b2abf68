package hosts

import (
	"io"
	"os"
	"sync"
)

// Capture is a file for Choice.PCAP (pass its Open): created when the
// simulated boards are first built, so that a run that builds none, or
// whose Choice is refused, leaves no file, and kept for every world of the
// run after that. The zero Capture, or one with no Path, captures nothing.
type Capture struct {
	// Path is the file the capture is written to.
	Path string

	mu sync.Mutex
	f  *os.File
}

// Open creates the file at Path on its first call and returns it then and
// on every later call; with no Path it returns nil, for no capture.
func (c *Capture) Open() (io.Writer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Path == "" {
		return nil, nil
	}
	if c.f == nil {
		f, err := os.Create(c.Path)
		if err != nil {
			return nil, err
		}
		c.f = f
	}
	return c.f, nil
}

// Close closes the file Open created, if any.
func (c *Capture) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	return err
}
