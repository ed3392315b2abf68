package board

import (
	"context"
	"testing"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// openSim opens the first board of a simulated world of specs.
func openSim(t *testing.T, spec string) (*Session, *sim.World) {
	t.Helper()
	w := newWorld(t, spec, sim.Options{})
	return openOnly(t, w), w
}

// newWorld builds a simulated world of specs.
func newWorld(t *testing.T, spec string, opts sim.Options) *sim.World {
	t.Helper()
	specs, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// openOnly opens the one board host lists; the session closes with the
// test.
func openOnly(t *testing.T, host usb.Host) *Session {
	t.Helper()
	ctx := context.Background()
	devs, err := host.Devices(ctx)
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %v, %v", devs, err)
	}
	s, err := Open(ctx, host, devs[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
