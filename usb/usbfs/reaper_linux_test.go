//go:build linux

package usbfs

import (
	"context"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/softdfu/softdfu/usb"
)

// Every test closes its devices, so no reaper outlives its device.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestWaitsTakeNoThread: transfers waiting on many devices at once park
// without an OS thread each (the devices' fds are in the runtime's
// poller), where a blocking ioctl or poll(2) per wait would start one
// thread per waiting transfer.
func TestWaitsTakeNoThread(t *testing.T) {
	const boards = 32
	var devs []*Device
	var kernels []*fakeKernel
	for range boards {
		dev, k := openFake(t, romTree, "1-1.2")
		k.hang = true
		devs, kernels = append(devs, dev), append(kernels, k)
	}
	threads := pprof.Lookup("threadcreate").Count()
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	for _, dev := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
		}()
	}
	for _, k := range kernels {
		waitInflight(t, k, 1)
	}
	created := pprof.Lookup("threadcreate").Count() - threads
	cancel()
	wg.Wait()
	for _, dev := range devs {
		dev.Close()
	}
	if created >= boards/4 {
		t.Errorf("%d transfers waiting started %d threads; want them parked without one", boards, created)
	}
}

// waitInflight waits until k holds n URBs in flight.
func waitInflight(t *testing.T, k *fakeKernel, n int) {
	t.Helper()
	for range 2000 {
		k.mu.Lock()
		got := len(k.inflight)
		k.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("URBs never reached the kernel")
}

// TestReaperWithoutPoller: on an fd the runtime's poller refuses, the
// reaper polls it itself; queued transfers, cancels and Close still work.
func TestReaperWithoutPoller(t *testing.T) {
	avoidPoller = true
	defer func() { avoidPoller = false }()
	t.Run("queue", TestStartControlQueues)
	t.Run("cancel", TestStartControlCancel)
	t.Run("closed", TestStartControlClosed)
	t.Run("cancel and timeout", TestAsyncCancelAndTimeout)
	t.Run("gone", TestAsyncGone)
}
