package board

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestOptionState: the option bytes with the chip and flash layout they
// are described and planned on; a sector the board lacks is a
// *BadSectorError.
func TestOptionState(t *testing.T) {
	ctx := context.Background()
	s, _ := openSim(t, "feather-f405:dfu")
	flash := s.Layout()
	st, err := s.OptionState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Path != "1-1" || st.Chip == nil || st.Flash.String() != flash.String() || len(st.Bytes.Blocks) != 1 {
		t.Fatalf("state %+v", st)
	}
	if got, want := st.Document(st.Bytes), st.Bytes.Document(st.Chip, flash); !reflect.DeepEqual(got, want) {
		t.Errorf("document %+v, want %+v", got, want)
	}
	if p, err := st.Plan(OptionChange{Protect: []int{1}}, Risks{}); err != nil || p.Want[0].NWRP != 0x0ffd || p.Lock || p.MassErase {
		t.Errorf("plan %+v, %v", p, err)
	}
	var be *BadSectorError
	if _, err := st.Plan(OptionChange{Unprotect: []int{12}}, Risks{}); !errors.As(err, &be) || err.Error() != "sector 12: this board has sectors 0-11" || KindOf(err) != Usage {
		t.Errorf("sector 12: %v", err)
	}
}
