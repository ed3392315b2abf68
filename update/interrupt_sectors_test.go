package update_test

import (
	"context"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// TestInterruptSectorFigures: after an interrupt in the middle of the
// write, the per-sector bytes written add up to the total, each sector
// holds exactly that many of the image's bytes, and the read-back state
// agrees (done sectors hold all their image bytes, untouched ones none).
func TestInterruptSectorFigures(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := w.Boards()[0].Part()
	data := sim.AppImage(p, "micropython", 400<<10)
	for i := 8; i < len(data); i++ {
		if data[i] == 0xff { // every image byte differs from erased flash
			data[i] = 0xfe
		}
	}
	img := &firmware.Image{Segments: []firmware.Segment{{Address: p.FlashBase, Data: data}}}
	devs, _ := w.Devices(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := update.Run(ctx, w, devs[0], img, update.Options{Events: func(ev board.Event) {
		if pr, ok := ev.(board.Progress); ok && pr.Phase == board.Writing && pr.Done >= 150<<10 {
			cancel()
		}
	}})
	if board.KindOf(err) != board.Interrupted || rep.Result == nil || rep.State == nil || !rep.State.Read {
		t.Fatalf("err %v, report %+v: want an interruption with a result and a read-back state", err, rep)
	}
	flash := w.Boards()[0].Flash()
	states := map[int]string{}
	for _, s := range rep.State.Sectors {
		states[s.Index] = s.State
	}
	sum, partial := 0, 0
	for _, s := range rep.Result.Sectors {
		sum += s.Written
		lo, hi := int(s.Address-p.FlashBase), min(int(s.End()-uint64(p.FlashBase)), len(data))
		held := 0
		for i := lo; i < hi; i++ {
			if flash[i] == data[i] {
				held++
			}
		}
		if held != s.Written {
			t.Errorf("sector %d: %d bytes written reported, the board holds %d of the image's", s.Index, s.Written, held)
		}
		want := update.SectorPartial
		switch s.Written {
		case 0:
			want = update.SectorOld
		case hi - lo:
			want = update.SectorGood
		default:
			partial++
		}
		if states[s.Index] != want {
			t.Errorf("sector %d: state %q with %d of %d bytes written, want %q", s.Index, states[s.Index], s.Written, hi-lo, want)
		}
	}
	if sum != rep.Result.Written || sum < 150<<10 || sum >= len(data) {
		t.Errorf("sectors add up to %d bytes, the total is %d (image %d)", sum, rep.Result.Written, len(data))
	}
	if partial == 0 {
		t.Error("no sector partly written: the interrupt did not come mid-write")
	}
}
