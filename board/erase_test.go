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

// TestEraseInput: an erase request as written reads into sectors,
// addresses and a range; a field that cannot be read is named.
func TestEraseInput(t *testing.T) {
	r, err := EraseInput{Sectors: "0,2-3", Addresses: "0x08004000, 0x08020000", Range: "0x08000000+32K", NoBlankCheck: true}.Request()
	if err != nil || len(r.Sectors) != 3 || len(r.Addresses) != 2 || r.Addresses[1] != 0x08020000 || r.Ranges[0] != (Range{Start: 0x08000000, Length: 32 << 10}) || !r.NoBlankCheck {
		t.Fatalf("Request = %+v, %v", r, err)
	}
	if _, err := (EraseInput{}).Request(); !errors.Is(err, ErrNothingToErase) {
		t.Errorf("nothing: %v", err)
	}
	if _, err := (EraseInput{Mass: true, Sectors: "1"}).Request(); !errors.Is(err, ErrMassNotAlone) {
		t.Errorf("mass and a sector: %v", err)
	}
	for field, in := range map[string]EraseInput{"sector": {Sectors: "3-1"}, "address": {Addresses: "0x08000000, x"}, "range": {Range: "8"}} {
		var fe *FieldError
		if _, err := in.Request(); !errors.As(err, &fe) || fe.Field != field || KindOf(err) != Usage {
			t.Errorf("%+v: %v; want a usage error naming %s", in, err, field)
		} else if field == "address" && fe.Value != "x" {
			t.Errorf("address value %q, want the one address", fe.Value)
		}
	}
}

// TestReadInput: what to read as written; empty fields are the defaults,
// a field that cannot be read is named.
func TestReadInput(t *testing.T) {
	if a, n, err := (ReadInput{}).Parse(); a != nil || n != 0 || err != nil {
		t.Errorf("defaults: %v, %d, %v", a, n, err)
	}
	if a, n, err := (ReadInput{Address: "0x08004000", Length: "16K"}).Parse(); a == nil || *a != 0x08004000 || n != 16<<10 || err != nil {
		t.Errorf("0x08004000+16K: %v, %d, %v", a, n, err)
	}
	for field, in := range map[string]ReadInput{"address": {Address: "nowhere"}, "length": {Length: "5G"}} {
		var fe *FieldError
		if _, _, err := in.Parse(); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%+v: %v; want an error naming %s", in, err, field)
		}
	}
}
