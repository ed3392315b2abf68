package rawcall

import (
	"runtime"
	"testing"
)

func TestTakeLeavesAPFree(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	for i := range 2 {
		if !Take() {
			t.Fatalf("GOMAXPROCS 3: raw call %d refused", i+1)
		}
	}
	if Take() {
		t.Fatal("GOMAXPROCS 3: a third raw call taken, leaving no P free")
	}
	Give()
	if !Take() {
		t.Fatal("a slot given back was not taken again")
	}
	Give()
	Give()
	if InFlight() != 0 {
		t.Fatalf("%d calls in flight after all were given back", InFlight())
	}
	runtime.GOMAXPROCS(1)
	if Take() {
		t.Fatal("GOMAXPROCS 1: a raw call taken, leaving no P")
	}
}
