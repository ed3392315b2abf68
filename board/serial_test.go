package board_test

import (
	"context"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/sim"
)

// TestGD32UTF8Serial: the GD32 ROM sends its serial's UTF-8 bytes; a host
// reading the descriptor as UTF-16LE gets other characters, and board
// turns them back so that the list shows the serial and selection by
// serial finds the board. An ST ROM's serial is left as it is.
func TestGD32UTF8Serial(t *testing.T) {
	specs, err := sim.ParseSpecs("gd32f405-fc:dfu,nucleo-f446re:dfu")
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	devs, err := w.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gd := w.Boards()[0]
	for _, d := range devs {
		if d.Path == gd.Port() && d.Descriptors.Serial() == gd.ROMSerial() {
			t.Fatalf("the simulated GD32 ROM's descriptor decodes as UTF-16LE to its serial %q: the quirk is not simulated", gd.ROMSerial())
		}
	}
	list, err := board.List(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, b := range w.Boards() {
		sel := board.Selector{Serial: b.ROMSerial()}
		for _, l := range list {
			if sel.Match(l) {
				found++
				if l.Path != b.Port() || l.Serial != b.ROMSerial() {
					t.Fatalf("serial %s matched %s (serial %q), want %s", b.ROMSerial(), l.Path, l.Serial, b.Port())
				}
			}
		}
	}
	if found != 2 {
		t.Fatalf("%d boards matched their ROM serials, want 2: %+v", found, list)
	}
}
