package board

import (
	"context"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim"
)

// TestWriteOptionBytesChecksFirst: a write the checks refuse leaves the
// board untouched, whichever block is wrong: every block is checked
// before the first one is written (a dual-bank F429 has two).
func TestWriteOptionBytesChecksFirst(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		want  func(cur []optionbytes.Block) []optionbytes.Block
		check func(error) bool
	}{
		{"a block more than the board has", func(cur []optionbytes.Block) []optionbytes.Block {
			w := append([]optionbytes.Block(nil), cur...)
			w[0].NWRP &^= 1 // a valid change in the first block
			return append(w, cur[1])
		}, func(err error) bool { return KindOf(err) == Usage }},
		{"a block fewer", func(cur []optionbytes.Block) []optionbytes.Block {
			w := append([]optionbytes.Block(nil), cur[:1]...)
			w[0].NWRP &^= 1
			return w
		}, func(err error) bool { return KindOf(err) == Usage }},
		{"read protection level 2", func(cur []optionbytes.Block) []optionbytes.Block {
			w := append([]optionbytes.Block(nil), cur...)
			w[0].RDP = 0xCC
			w[1].NWRP &^= 1
			return w
		}, func(err error) bool { return KindOf(err) == Guard && errors.Is(err, part.ErrRDPLevel2) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, w := openSim(t, "discovery-f429:dfu")
			b := w.Boards()[0]
			before := [2][sim.OptionBlockSz]byte{b.OptionBytes(0), b.OptionBytes(1)}
			cur, err := s.OptionBytes(ctx)
			if err != nil || len(cur.Blocks) != 2 {
				t.Fatalf("option bytes %+v, %v: want two blocks", cur, err)
			}
			var events []Event
			out, err := s.WriteOptionBytes(ctx, cur, tt.want(cur.Blocks), WriteOptions{Events: func(ev Event) { events = append(events, ev) }})
			if err == nil || !tt.check(err) {
				t.Fatalf("err %v (kind %v): want a refusal", err, KindOf(err))
			}
			if out.Blocks != 0 || len(events) != 0 {
				t.Errorf("%d block(s) written, events %v: want nothing written", out.Blocks, events)
			}
			if after := [2][sim.OptionBlockSz]byte{b.OptionBytes(0), b.OptionBytes(1)}; after != before {
				t.Errorf("the board's option bytes changed: % x -> % x", before, after)
			}
		})
	}
}
