package update_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// TestInterruptAtBlockBoundary: cancelling (Ctrl-C) during the write stops
// between two requests; the board is still in the ROM bootloader, its state
// is read back (sectors written, not "unknown"), and the advice is to run
// the command again, which finishes the job.
func TestInterruptAtBlockBoundary(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := w.Boards()[0].Part()
	img := &firmware.Image{Segments: []firmware.Segment{{Address: p.FlashBase, Data: sim.AppImage(p, "micropython", 160<<10)}}}
	devs, _ := w.Devices(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := update.Run(ctx, w, devs[0], img, update.Options{Events: func(ev board.Event) {
		if pr, ok := ev.(board.Progress); ok && pr.Phase == board.Writing && pr.Done >= 40<<10 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || board.KindOf(err) != board.Interrupted {
		t.Fatalf("err %v (kind %v), want an interruption", err, board.KindOf(err))
	}
	if !errors.Is(err, update.ErrInterrupted) || strings.Contains(err.Error(), "context canceled") && !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("err %q: want it to say the update was interrupted between requests", err)
	}
	st := rep.State
	if st == nil || !st.Read || st.Recovery != update.RecoveryInterrupted {
		t.Fatalf("state %+v: want it read back, with the advice to run again", st)
	}
	states := map[string]int{}
	for _, s := range st.Sectors {
		states[s.State]++
	}
	if states[update.SectorUnknown] > 0 || states[update.SectorGood] == 0 {
		t.Errorf("sector states %v: want written sectors good and none unknown", states)
	}
	if d, _ := board.WaitDFU(context.Background(), w, "1-1", nil, 0); d == nil {
		t.Error("the board left the ROM bootloader")
	}
	// Running again finishes the job.
	devs, _ = w.Devices(context.Background())
	if _, err := update.Run(context.Background(), w, devs[0], img, update.Options{NoLeave: true}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if got := w.Boards()[0].Flash()[:img.Size()]; string(got) != string(img.Segments[0].Data) {
		t.Error("the second run did not finish the image")
	}
}
