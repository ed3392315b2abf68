package usbfs

import (
	"context"
	"sync"
)

// listings shares sysfs scans between concurrent Devices calls. A call
// made while no scan runs starts one; a call made while one runs waits for
// the next, which starts when the running one ends and serves every call
// that arrived meanwhile. So every caller gets a listing that began after
// its call, and callers polling at once cost one scan at a time, not one
// each: eight boards leaving together, each looking for its application
// and checking that its ROM left, made sixteen scans at once, and each
// scan waits on the device lock of every device the kernel is removing.
//
// The zero value is ready. The scan runs in its own goroutine, without the
// callers' contexts: a caller that gives up returns at once, and the scan
// it started still serves the others.
type listings struct {
	mu      sync.Mutex
	running bool
	next    *listing // the scan that starts when the running one ends
}

// listing is one scan and what it found, ready once done is closed.
type listing struct {
	done chan struct{}
	devs []sysDevice
	err  error
}

// get returns the devices of a scan that started after the call, made by
// scan unless one that serves this call is already waiting to start.
func (l *listings) get(ctx context.Context, scan func() ([]sysDevice, error)) ([]sysDevice, error) {
	l.mu.Lock()
	r := l.next
	if r == nil {
		r = &listing{done: make(chan struct{})}
		l.next = r
	}
	if !l.running {
		l.running = true
		go l.run(scan)
	}
	l.mu.Unlock()
	select {
	case <-r.done:
		return r.devs, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run makes the waiting scans one after another until none waits.
func (l *listings) run(scan func() ([]sysDevice, error)) {
	for {
		l.mu.Lock()
		r := l.next
		l.next = nil
		l.running = r != nil
		l.mu.Unlock()
		if r == nil {
			return
		}
		r.devs, r.err = scan()
		close(r.done)
	}
}
