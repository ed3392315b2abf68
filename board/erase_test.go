package board

import (
	"context"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/sim"
)

// A negative sector number from a library caller is a bad sector, not a
// panic (ParseSectors never gives one; EraseRequest and OptionChange are
// public).
func TestNegativeSectorRefused(t *testing.T) {
	ctx := context.Background()
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
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
	defer s.Close()
	var be *BadSectorError
	if _, err := s.Sectors(EraseRequest{Sectors: []int{-1}}); !errors.As(err, &be) {
		t.Fatalf("sector -1: %v, want a *BadSectorError", err)
	}
	chip, _ := s.Chip()
	if _, err := (OptionChange{Unprotect: []int{-1}}).Apply(nil, s.Layout(), chip); KindOf(err) != Usage {
		t.Fatalf("unprotect sector -1: %v, want a usage error", err)
	}
}
