package update_test

import (
	"context"
	"testing"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// An update that writes only a sector past the first must still start the
// application at the flash base: the ROM jumps to its address pointer,
// which the last write left at that sector.
func TestLeaveStartsFlashBaseAfterPartialUpdate(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	p := b.Part()
	old := sim.AppImage(p, "circuitpython", 64<<10)
	if err := b.WriteFlash(p.FlashBase, old); err != nil {
		t.Fatal(err)
	}
	img := append([]byte(nil), old...)
	img[0x8000+100] ^= 0xFF // sector 2 only
	devs, err := w.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := update.Run(context.Background(), w, devs[0], &firmware.Image{Segments: []firmware.Segment{{Address: p.FlashBase, Data: img}}}, update.Options{ExpectApp: true})
	if err != nil {
		t.Fatalf("%v (board: %+v)", err, b.State())
	}
	if len(rep.Plan.Runs) != 1 || rep.Plan.Runs[0].Address != 0x08008000 {
		t.Fatalf("runs %v, want one at sector 2", rep.Plan.Runs)
	}
	if st := b.State(); st.Run != sim.RunApp || st.Persona != "circuitpython" {
		t.Fatalf("after the update the board runs %+v, want the application", st)
	}
}
