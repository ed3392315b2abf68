//go:build linux

package rawcall

import (
	"runtime"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	start := time.Now()
	if !Sleep(3 * time.Millisecond) {
		t.Fatal("GOMAXPROCS 2, nothing in flight: the raw sleep was refused")
	}
	if d := time.Since(start); d < 3*time.Millisecond {
		t.Fatalf("slept %v, want at least 3ms", d)
	}
	if Sleep(MaxSleep + time.Millisecond) {
		t.Fatal("a wait longer than MaxSleep was made as a raw call")
	}
	if InFlight() != 0 {
		t.Fatalf("%d calls in flight after Sleep", InFlight())
	}
	runtime.GOMAXPROCS(1)
	if Sleep(time.Millisecond) {
		t.Fatal("GOMAXPROCS 1: a raw sleep was made")
	}
}
