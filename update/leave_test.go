package update_test

import (
	"testing"

	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// TestLeaveAfterPartialUpdate: when only a later sector changes (and the
// boot unit is left alone: InterruptMayBootOld), the last Set Address
// points into the middle of the image; leaving must still start the
// vector table at the flash base.
func TestLeaveAfterPartialUpdate(t *testing.T) {
	img := testImage()
	w, _ := newBoard(t, nil)
	b := w.Boards()[0]
	if _, err := run(t, w, img, update.Options{}); err != nil {
		t.Fatal(err)
	}
	b.SetBoot0(true)
	b.Reset()
	if err := b.WriteFlash(0x0800c000, []byte{0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	rep, err := run(t, w, img, update.Options{Flash: flash.Options{InterruptMayBootOld: true}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result.Erased != 1 {
		t.Fatalf("erased %d sectors, want only sector 3", rep.Result.Erased)
	}
	if st := b.State(); st.Run != sim.RunApp {
		t.Fatalf("board is %v (%s), want the application", st.Run, st.Reason)
	}
}
