//go:build linux

package usbfs

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/softdfu/softdfu/usb"
)

// TestStartControlQueues: three control transfers are submitted before
// the first is reaped, and each wait returns its own answer.
func TestStartControlQueues(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	ctx := context.Background()
	k.hang = true
	k.in = []byte("0123")
	var waits []func() (int, error)
	bufs := make([][]byte, 3)
	for i := range bufs {
		bufs[i] = make([]byte, 4)
		w, err := dev.StartControl(ctx, usb.ClassInterfaceIn(2, uint16(2+i), 0, 4), bufs[i])
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, w)
	}
	k.mu.Lock()
	if len(k.inflight) != 3 {
		t.Fatalf("%d URBs in flight, want 3 queued at once", len(k.inflight))
	}
	for _, u := range k.inflight {
		u.ActualLength = 4
		k.complete(u, 0)
	}
	k.inflight = nil
	k.mu.Unlock()
	for i, w := range waits {
		if n, err := w(); n != 4 || err != nil || string(bufs[i]) != "0123" {
			t.Errorf("transfer %d: n=%d err=%v data %q", i, n, err, bufs[i])
		}
	}
	want := []string{"urb control a1 02 02 00 00 00 04 00", "urb control a1 02 03 00 00 00 04 00", "urb control a1 02 04 00 00 00 04 00", "reap 0", "reap 0", "reap 0"}
	if !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
	if len(dev.pending) != 0 {
		t.Errorf("%d URBs left pending", len(dev.pending))
	}
}

// TestStartControlClosed: a device closed between the start and the wait
// answers errClosed from the wait and keeps nothing pending; a closed
// device refuses to start.
func TestStartControlClosed(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	k.hang = true
	w, err := dev.StartControl(context.Background(), usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
	if err != nil {
		t.Fatal(err)
	}
	dev.Close()
	if _, err := w(); !errors.Is(err, errClosed) {
		t.Errorf("wait after Close: %v, want errClosed", err)
	}
	if len(dev.pending) != 0 {
		t.Errorf("%d URBs left pending", len(dev.pending))
	}
	if _, err := dev.StartControl(context.Background(), usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6)); !errors.Is(err, errClosed) {
		t.Errorf("StartControl after Close: %v, want errClosed", err)
	}
}

// TestStartControlCancel: cancelling the context of a queued transfer
// discards it and its wait answers the cancellation.
func TestStartControlCancel(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	k.hang = true
	ctx, cancel := context.WithCancel(context.Background())
	w, err := dev.StartControl(ctx, usb.ClassInterfaceIn(2, 2, 0, 4), make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := w(); !errors.Is(err, context.Canceled) {
		t.Errorf("wait after cancel: %v, want context.Canceled", err)
	}
	if len(dev.pending) != 0 {
		t.Errorf("%d URBs left pending", len(dev.pending))
	}
}
