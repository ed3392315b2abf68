//go:build linux

package usbfs

import (
	"context"
	"runtime"
	"testing"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/rawcall"
)

// TestControlRawWhenAPIsFree checks that a control transfer runs as a raw
// system call while a P stays free, and as an ordinary one when the raw
// slots are taken (or GOMAXPROCS leaves none).
func TestControlRawWhenAPIsFree(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	getStatus := func() {
		t.Helper()
		k.in = []byte{0, 100, 0, 0, 2, 0}
		buf := make([]byte, 6)
		if _, err := dev.Control(context.Background(), usb.ClassInterfaceIn(3, 0, 0, 6), buf); err != nil {
			t.Fatal(err)
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))

	getStatus()
	if k.raw != 1 {
		t.Fatalf("GOMAXPROCS 2, no transfer in flight: %d raw ioctls, want 1", k.raw)
	}
	if !rawcall.Take() {
		t.Fatal("GOMAXPROCS 2: no raw slot free")
	}
	getStatus()
	rawcall.Give()
	if k.raw != 1 {
		t.Fatalf("the one raw slot taken: %d raw ioctls, want still 1", k.raw)
	}
	if rawcall.InFlight() != 0 {
		t.Fatalf("%d raw slots still taken after the transfers", rawcall.InFlight())
	}
	runtime.GOMAXPROCS(1)
	getStatus()
	if k.raw != 1 {
		t.Fatalf("GOMAXPROCS 1: %d raw ioctls, want still 1 (a raw call would leave no P)", k.raw)
	}
	if got := len(k.calls); got != 3 {
		t.Fatalf("%d ioctls reached the kernel, want 3", got)
	}
}
