package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/softdfu/softdfu/bench"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
)

// TestCasesInstant runs every case in instant simulated time: the updates
// must succeed, leave every board running the image, and use the plan the
// case stands for. The host's request count may exceed the minimum only by
// its fixed per-session and per-run overhead.
func TestCasesInstant(t *testing.T) {
	want := map[string]struct{ erased, written, boards int }{
		"rebuild-all":  {12, 1 << 20, 1},
		"factory-full": {1, 1 << 20, 1},
		"one-sector":   {2, 32 << 10, 1}, // and the boot unit (sector 0)
		"app-64K":      {1, 64 << 10, 1},
		"eight-boards": {1, 64 << 10, 8},
		"full-2MB":     {24, 2 << 20, 1},
		// One unit changed, and the boot unit (page or sector 0).
		"one-page-g4":   {2, 4 << 10, 1},
		"one-page-l4":   {2, 4 << 10, 1},
		"one-sector-h7": {2, 256 << 10, 1},
	}
	cases := bench.Cases()
	if cases[0].Name != "rebuild-all" || len(cases) != len(want) {
		t.Fatalf("cases %v: the everyday rebuild must come first", cases)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r, err := bench.Run(context.Background(), c, bench.Options{Instant: true})
			if err != nil {
				t.Fatal(err)
			}
			w := want[c.Name]
			if r.Erased != w.erased || r.Written != w.written || r.Boards != w.boards {
				t.Errorf("erased %d sectors, wrote %d bytes on %d boards; want %+v", r.Erased, r.Written, r.Boards, w)
			}
			if r.Transfers < r.MinTransfers || r.Transfers > r.MinTransfers+20*r.Boards {
				t.Errorf("%d control transfers, minimum %d", r.Transfers, r.MinTransfers)
			}
			if r.BoardTime < r.Limit {
				t.Errorf("board time %v below the protocol limit %v: the limit is wrong", r.BoardTime, r.Limit)
			}
			t.Logf("ratio %.3f (board time %v, limit %v), %d transfers (minimum %d)", r.Ratio, r.BoardTime, r.Limit, r.Transfers, r.MinTransfers)
		})
	}
}

// TestLimitCounts checks the limit of a hand-made plan: one 16 KB sector
// erased and written (8 blocks), survey and verify of that sector.
func TestLimitCounts(t *testing.T) {
	p := sim.Boards["nucleo-f446re"].Part
	layout := p.AltNames[0]
	old := sim.AppImage(p, "circuitpython", 16<<10)
	data := make([]byte, len(old))
	for i := range data {
		data[i] = 0x5A // bits the old content has clear: erase first
	}
	sv := &flash.Survey{Content: map[uint32][]byte{}}
	// Build the layout through the dfu parser the plan uses.
	l, err := dfu.ParseLayout(layout)
	if err != nil {
		t.Fatal(err)
	}
	sv.Layout = l
	sv.Content[0x08000000] = old
	plan, err := flash.NewPlan(&firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: data}}}, sv, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := bench.Limit(plan, []bench.Range{{Address: 0x08000000, Size: 16 << 10}}, sim.DefaultUSBTiming)
	// 1 GETSTATUS, the option bytes (Set Address 3, UPLOAD), Set Address
	// back to flash (3), 8 UPLOADs, ABORT, erase (3), 8 blocks (24), ABORT,
	// 8 UPLOADs, ABORT, leave (2); no other Set Address: the erase leaves
	// the pointer at the sector.
	if m.Transfers != 1+4+3+8+1+3+24+1+8+1+2 {
		t.Errorf("%d transfers", m.Transfers)
	}
	wantFlash := 250*time.Millisecond + 4096*16*time.Microsecond
	if m.Flash != wantFlash {
		t.Errorf("flash time %v, want %v", m.Flash, wantFlash)
	}
	// Frames: one per transfer; data: 16 KB up, down and up again, the
	// 16 option bytes, three 5-byte commands (two Set Address, the erase),
	// and 24 GETSTATUS answers of 6 bytes.
	wantUSB := time.Duration(m.Transfers)*time.Millisecond + time.Duration(3*16<<10+16+3*5+6*24)*time.Microsecond
	if m.USB != wantUSB {
		t.Errorf("USB time %v, want %v", m.USB, wantUSB)
	}
	if m.Erased != 1 || m.Written != 16<<10 || m.Read != 32<<10 || m.Time != m.Flash+m.USB {
		t.Errorf("%+v", m)
	}
}

// benchmarkCase runs a case at speed 1 and reports the ratio to the limit.
func benchmarkCase(b *testing.B, name string) {
	for _, c := range bench.Cases() {
		if c.Name != name {
			continue
		}
		var r *bench.Result
		for b.Loop() {
			var err error
			if r, err = bench.Run(context.Background(), c, bench.Options{Speed: 1}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(r.Ratio, "x-limit")
		b.ReportMetric(r.ClockRatio, "clock-x-limit")
		b.ReportMetric(r.Limit.Seconds(), "limit-s")
		b.ReportMetric(float64(r.Transfers), "transfers")
		b.ReportMetric(100*r.CPUShare, "host-%")
		b.ReportMetric(float64(r.PeakHeap)/(1<<20), "peak-MB")
		return
	}
	b.Fatalf("no case %s", name)
}

// The benchmarks behind `softdfu bench flash`, at speed 1 (real time).
func BenchmarkRebuildAll(b *testing.B)  { benchmarkCase(b, "rebuild-all") }
func BenchmarkFactoryFull(b *testing.B) { benchmarkCase(b, "factory-full") }
func BenchmarkOneSector(b *testing.B)   { benchmarkCase(b, "one-sector") }
func BenchmarkApp64K(b *testing.B)      { benchmarkCase(b, "app-64K") }
func BenchmarkEightBoards(b *testing.B) { benchmarkCase(b, "eight-boards") }
func BenchmarkFull2MB(b *testing.B)     { benchmarkCase(b, "full-2MB") }
