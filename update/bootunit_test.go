package update_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// bootUpdate is an update that leaves sector 0 (the boot vector table)
// unchanged and rewrites sectors 2-5 of a 400 KiB application on a
// nucleo-f446re (sectors 16K x4, 64K, 128K...): old is on the board, img
// is the new build.
func bootUpdate() (old []byte, img *firmware.Image) {
	p := sim.Parts["STM32F446RE"]
	old = sim.AppImage(p, "", 400<<10)
	data := bytes.Clone(old)
	for i := 32 << 10; i < len(data); i++ {
		data[i] ^= 0x5a // every byte from sector 2 on differs
	}
	return old, &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: data}}}
}

// checkBoot resets the board from flash (BOOT0 low, as a board entered
// from software has it) and fails when it starts a vector table in front
// of an image that is neither the old one nor the new one whole.
func checkBoot(t *testing.T, b *sim.Board, old, want []byte) {
	t.Helper()
	got := b.Flash()[:len(want)]
	b.SetBoot0(false)
	b.Reset()
	st := b.State()
	if st.Run == sim.RunApp && !bytes.Equal(got, old) && !bytes.Equal(got, want) {
		same := 0
		for i := range got {
			if got[i] == want[i] {
				same++
			}
		}
		t.Fatalf("after a reset from flash the board runs an application over a half-written image (%d of %d bytes new)", same, len(want))
	}
	b.SetBoot0(true)
	b.Reset()
}

// TestInterruptNeverBootsHalfImage: an update that leaves the boot unit
// unchanged is cancelled, or the board loses power, at many points of its
// erase and write; at no point does a reset from flash start the old
// vector table in front of half-written sectors (the boot unit is erased
// first and written last). Running the update again finishes the job.
func TestInterruptNeverBootsHalfImage(t *testing.T) {
	old, img := bootUpdate()
	want := img.Segments[0].Data
	type cut struct {
		name   string
		phase  board.Phase
		done   int
		faults []sim.Fault
	}
	var cuts []cut
	for _, n := range []int{1, 2, 4} {
		cuts = append(cuts, cut{name: fmt.Sprintf("cancel@erase:%d", n), phase: board.Erasing, done: n})
	}
	for _, kb := range []int{2, 16, 100, 250, 360} {
		cuts = append(cuts, cut{name: fmt.Sprintf("cancel@write:%dK", kb), phase: board.Writing, done: kb << 10})
	}
	for _, kb := range []int{50, 300} {
		cuts = append(cuts, cut{name: fmt.Sprintf("cancel@verify:%dK", kb), phase: board.Verifying, done: kb << 10})
	}
	for _, n := range []int{1, 3, 40, 150} {
		cuts = append(cuts, cut{name: fmt.Sprintf("power-loss@write:%d", n), faults: []sim.Fault{{Kind: sim.FaultPowerLoss, At: sim.AtWrite, N: n}}})
	}
	cuts = append(cuts, cut{name: "power-loss@erase:2", faults: []sim.Fault{{Kind: sim.FaultPowerLoss, At: sim.AtErase, N: 2}}})
	for _, c := range cuts {
		t.Run(c.name, func(t *testing.T) {
			w, _ := newBoard(t, c.faults)
			b := w.Boards()[0]
			if err := b.WriteFlash(sim.FlashBase, old); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			info, err := board.WaitDFU(ctx, w, "1-1", nil, time.Second)
			if err != nil || info == nil {
				t.Fatalf("waiting for the board: %v", err)
			}
			rep, err := update.Run(ctx, w, *info, img, update.Options{Attempts: 1, NoLeave: true, Events: func(ev board.Event) {
				if pr, ok := ev.(board.Progress); ok && c.phase != "" && pr.Phase == c.phase && pr.Done >= c.done {
					cancel()
				}
			}})
			if err == nil {
				t.Fatalf("the update was not interrupted (plan:\n%v)", rep.Plan)
			}
			checkBoot(t, b, old, want)
			if _, err := run(t, w, img, update.Options{NoLeave: true}); err != nil {
				t.Fatalf("second run: %v", err)
			}
			if !bytes.Equal(b.Flash()[:len(want)], want) {
				t.Fatal("the second run did not finish the image")
			}
			checkBoot(t, b, old, want)
		})
	}
}
