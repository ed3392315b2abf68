package update_test

import (
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/update"
)

// TestInterruptedSectors: the human report of an interrupted update names
// each sector done, partly written (with its bytes) or untouched, and says
// the board is still in the ROM bootloader.
func TestInterruptedText(t *testing.T) {
	sec := func(i int) dfu.Sector {
		return dfu.Sector{Index: i, Address: 0x08000000 + uint32(i)<<14, Size: 1 << 14}
	}
	rep := &update.Report{
		Result: &flash.Result{Sectors: []flash.SectorResult{{Sector: sec(0), Written: 1 << 14}, {Sector: sec(1), Written: 2048}, {Sector: sec(2)}}},
		State: &update.BoardState{Read: true, Sectors: []update.SectorState{
			{Index: 0, State: update.SectorGood}, {Index: 1, State: update.SectorPartial}, {Index: 2, State: update.SectorOld}}},
	}
	want := "interrupted: done: sector(s) 0; partly written: sector(s) 1 (2048 of 16384 bytes); untouched: sector(s) 2; the board is still in the ROM bootloader"
	if got := rep.Interrupted(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
