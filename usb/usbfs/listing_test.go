package usbfs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// scans is a scan function that blocks each scan until released and
// counts them; scan n returns one device at path "n".
type scans struct {
	mu      sync.Mutex
	n       int
	started chan int
	release chan struct{}
}

func newScans() *scans {
	return &scans{started: make(chan int, 16), release: make(chan struct{})}
}

func (s *scans) scan() ([]sysDevice, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	s.started <- n
	<-s.release
	d := sysDevice{}
	d.info.Path = fmt.Sprint(n)
	return []sysDevice{d}, nil
}

// getAsync calls get in a goroutine; the result arrives on the channel as
// the scan's number ("1") or the error.
func getAsync(ctx context.Context, l *listings, s *scans) <-chan string {
	out := make(chan string, 1)
	go func() {
		ds, err := l.get(ctx, s.scan)
		if err != nil {
			out <- err.Error()
			return
		}
		out <- ds[0].info.Path
	}()
	return out
}

func TestListingsShareTheNextScan(t *testing.T) {
	var l listings
	s := newScans()
	first := getAsync(context.Background(), &l, s)
	if n := <-s.started; n != 1 {
		t.Fatalf("scan %d started, want 1", n)
	}
	// Two calls while scan 1 runs: both must get scan 2, which starts
	// after their calls, not scan 1's older listing.
	second, third := getAsync(context.Background(), &l, s), getAsync(context.Background(), &l, s)
	waitQueued(t, &l)
	s.release <- struct{}{}
	if got := <-first; got != "1" {
		t.Errorf("first call got scan %s, want 1", got)
	}
	if n := <-s.started; n != 2 {
		t.Fatalf("scan %d started, want 2", n)
	}
	s.release <- struct{}{}
	if a, b := <-second, <-third; a != "2" || b != "2" {
		t.Errorf("the calls made during scan 1 got scans %s and %s, want 2 and 2", a, b)
	}
	select {
	case n := <-s.started:
		t.Errorf("scan %d started with no call waiting", n)
	case <-time.After(20 * time.Millisecond):
	}
}

// waitQueued waits until a call waits for the scan after the running one.
func waitQueued(t *testing.T, l *listings) {
	t.Helper()
	for i := 0; ; i++ {
		l.mu.Lock()
		queued := l.next != nil
		l.mu.Unlock()
		if queued {
			return
		}
		if i == 1000 {
			t.Fatal("no call queued for the next scan")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestListingsCallerGivesUp(t *testing.T) {
	var l listings
	s := newScans()
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := getAsync(ctx, &l, s)
	<-s.started
	cancel()
	if got := <-gaveUp; got != context.Canceled.Error() {
		t.Errorf("cancelled call got %q, want %q while its scan still runs", got, context.Canceled)
	}
	// The scan it started serves a call made later only if that call
	// came before it began: this one waits for scan 2.
	later := getAsync(context.Background(), &l, s)
	waitQueued(t, &l)
	s.release <- struct{}{}
	<-s.started
	s.release <- struct{}{}
	if got := <-later; got != "2" {
		t.Errorf("later call got scan %s, want 2", got)
	}
}

func TestListingsScanError(t *testing.T) {
	var l listings
	boom := errors.New("boom")
	if _, err := l.get(context.Background(), func() ([]sysDevice, error) { return nil, boom }); err != boom {
		t.Fatalf("err = %v, want the scan's error", err)
	}
	ds, err := l.get(context.Background(), func() ([]sysDevice, error) { return []sysDevice{{dir: "x"}}, nil })
	if err != nil || len(ds) != 1 {
		t.Fatalf("after a failed scan: %v, %v; want a new scan's listing", ds, err)
	}
}

func TestDevicesConcurrentOnFixture(t *testing.T) {
	if !supported {
		t.Skip("Devices answers ErrNotLinux here")
	}
	h := &Host{SysfsRoot: appTree, TTYDir: "/dev"}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			devs, err := h.Devices(context.Background())
			if err == nil && len(devs) != 2 {
				err = fmt.Errorf("%d devices, want 2", len(devs))
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
