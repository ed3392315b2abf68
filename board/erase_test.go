package board

import (
	"errors"
	"testing"
)

// A negative sector number from a library caller is a bad sector, not a
// panic (ParseSectors never gives one; EraseRequest and OptionChange are
// public).
func TestNegativeSectorRefused(t *testing.T) {
	s, _ := openSim(t, "nucleo-f446re:dfu")
	var be *BadSectorError
	if _, err := s.Sectors(EraseRequest{Sectors: []int{-1}}); !errors.As(err, &be) {
		t.Fatalf("sector -1: %v, want a *BadSectorError", err)
	}
	chip, _ := s.Chip()
	if _, err := (OptionChange{Unprotect: []int{-1}}).Apply(nil, s.Layout(), chip); KindOf(err) != Usage {
		t.Fatalf("unprotect sector -1: %v, want a usage error", err)
	}
}
