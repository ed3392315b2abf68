package board

import (
	"context"
	"testing"

	"github.com/softdfu/softdfu/sim"
)

// openSim opens the first board of a simulated world of specs.
func openSim(t *testing.T, spec string) (*Session, *sim.World) {
	t.Helper()
	ctx := context.Background()
	specs, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	devs, err := w.Devices(ctx)
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %v, %v", devs, err)
	}
	s, err := Open(ctx, w, devs[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, w
}
