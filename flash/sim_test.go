package flash_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
)

type bench struct {
	t   testing.TB
	ctx context.Context
	w   *sim.World
	b   *sim.Board
	c   *dfu.Conn
}

func newBench(t testing.TB, spec string) *bench {
	t.Helper()
	specs, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	x := &bench{t: t, ctx: ctx, w: w, b: w.Boards()[0]}
	x.reopen()
	return x
}

func (x *bench) reopen() {
	x.t.Helper()
	devs, err := x.w.Devices(x.ctx)
	if err != nil || len(devs) != 1 {
		x.t.Fatalf("devices: %v %v", devs, err)
	}
	dev, err := x.w.Open(x.ctx, devs[0])
	if err != nil {
		x.t.Fatal(err)
	}
	if x.c, err = dfu.Open(x.ctx, dev, 0, 0, nil); err != nil {
		x.t.Fatal(err)
	}
}

func pattern(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13+seed+i>>9) & 0x7f
	}
	return b
}

// TestPlanRunExistingContent flashes a board that already holds data: the
// sector holding the same bytes is skipped, a blank sector is programmed
// without an erase, a changed sector is erased and its bytes outside the
// image are written back, and nothing else changes.
func TestPlanRunExistingContent(t *testing.T) {
	x := newBench(t, "discovery-f407:dfu")
	before := x.b.Flash()
	factory := bytes.Clone(before[:0x4000]) // the factory application
	old1 := pattern(1, 0x4000)
	old5 := pattern(5, 1000)
	if err := x.b.WriteFlash(0x08004000, old1); err != nil {
		t.Fatal(err)
	}
	if err := x.b.WriteFlash(0x08020000, old5); err != nil {
		t.Fatal(err)
	}
	before = x.b.Flash()

	img := &firmware.Image{Segments: []firmware.Segment{
		{Address: 0x08000000, Data: factory},                // unchanged
		{Address: 0x08004100, Data: pattern(9, 100)},        // changes sector 1
		{Address: 0x08008000, Data: pattern(3, 0x4000+500)}, // blank sectors 2 and 3
	}}
	sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sv.Protected || len(sv.Content) != 4 || !bytes.Equal(sv.Content[0x08004000], old1) {
		t.Fatalf("survey: protected %v, %d sectors", sv.Protected, len(sv.Content))
	}
	// InterruptMayBootOld: sector 0 is skipped (by default it holds the
	// vector table and is erased first, written last: boot-unit-first in
	// playback_test.go).
	plan, err := flash.NewPlan(img, sv, &flash.Options{TransferSize: int(x.c.Functional().TransferSize), InterruptMayBootOld: true})
	if err != nil {
		t.Fatal(err)
	}
	wantActions := map[int]flash.Action{0: flash.Unchanged, 1: flash.EraseProgram, 2: flash.Program, 3: flash.Program}
	for _, s := range plan.Sectors {
		if s.Action != wantActions[s.Index] {
			t.Errorf("sector %d: %v, want %v", s.Index, s.Action, wantActions[s.Index])
		}
	}
	if s := plan.Sectors[1]; s.Kept != 0x4000-100 {
		t.Errorf("sector 1 keeps %d bytes, want %d", s.Kept, 0x4000-100)
	}
	// Sector 1 (written back whole) and sectors 2-3 are one run.
	if len(plan.Runs) != 1 || plan.Runs[0].Address != 0x08004000 || len(plan.Runs[0].Data) != 0x8000+500 {
		t.Errorf("runs %d, first at 0x%08x, %d bytes", len(plan.Runs), plan.Runs[0].Address, len(plan.Runs[0].Data))
	}

	var phases []flash.Phase
	res, err := flash.Run(x.ctx, x.c, plan, func(p flash.Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Erased != 1 || res.Written != 0x8000+500 || res.Verified != res.Written {
		t.Errorf("result: erased %d, written %d, verified %d", res.Erased, res.Written, res.Verified)
	}
	if len(phases) != 3 {
		t.Errorf("progress phases %v, want erase, write, verify", phases)
	}
	if res.EraseTime < 250*time.Millisecond || res.WriteTime <= 0 || res.VerifyTime <= 0 {
		t.Errorf("phase times (device clock): erase %v write %v verify %v", res.EraseTime, res.WriteTime, res.VerifyTime)
	}
	for _, s := range res.Sectors {
		if s.Index == 0 && (s.Erased || s.Written != 0) {
			t.Errorf("unchanged sector 0 was touched: %+v", s)
		}
	}

	want := bytes.Clone(before)
	for _, seg := range img.Segments {
		copy(want[seg.Address-0x08000000:], seg.Data)
	}
	got := x.b.Flash()
	if i := firstDiff(got, want); i >= 0 {
		t.Fatalf("flash at 0x%08x = 0x%02x, want 0x%02x", 0x08000000+i, got[i], want[i])
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestRunVerifyFails(t *testing.T) {
	x := newBench(t, "nucleo-f446re:dfu")
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08008000, Data: pattern(2, 3000)}}}
	sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := flash.NewPlan(img, sv, nil)
	if err != nil || plan.Sectors[2].Action != flash.Program {
		t.Fatalf("plan: %v %v", plan, err)
	}
	// The board changes after the survey: programming without an erase
	// now leaves wrong bytes, and verify names the first one.
	if err := x.b.WriteFlash(0x08008010, []byte{0x00}); err != nil {
		t.Fatal(err)
	}
	_, err = flash.Run(x.ctx, x.c, plan, nil)
	var ve *flash.VerifyError
	if !errors.As(err, &ve) || ve.Address != 0x08008010 || ve.Read != 0 || ve.Wrote != plan.Runs[0].Data[0x10] {
		t.Fatalf("Run: %v", err)
	}
}

func TestRunReadProtected(t *testing.T) {
	x := newBench(t, "nucleo-f446re:dfu")
	ob := x.b.OptionBytes(0)
	ob[1] = 0x00
	x.b.SetOptionBytes(0, ob)
	x.b.Reset()
	x.reopen()
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: pattern(2, 100)}}}
	sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
	if err != nil || !sv.Protected || sv.Content != nil {
		t.Fatalf("survey: %+v, %v", sv, err)
	}
	plan, err := flash.NewPlan(img, sv, nil)
	if err != nil || plan.Sectors[0].Action != flash.EraseProgram || len(plan.Notes) != 1 {
		t.Fatalf("plan: %+v, %v", plan, err)
	}
	res, err := flash.Run(x.ctx, x.c, plan, nil)
	var se *dfu.StatusError
	if !errors.As(err, &se) || se.Status != dfu.ErrVendor || res.Erased != 0 || !strings.Contains(err.Error(), "erasing sector 0 at 0x08000000") {
		t.Fatalf("Run under read protection: %v", err)
	}
}

func TestRunRefusesOtherLayout(t *testing.T) {
	x := newBench(t, "discovery-f429:dfu")
	l, _ := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	plan, err := flash.NewPlan(&firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: []byte{1}}}}, &flash.Survey{Layout: l}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flash.Run(x.ctx, x.c, plan, nil); err == nil || !strings.Contains(err.Error(), "survey this board and plan again") {
		t.Fatalf("Run on another layout: %v", err)
	}
}

// f407Timing is the simulator's F405/F407 model (typical values).
var f407Timing = &flash.Timing{
	SectorErase:    map[uint32]time.Duration{16 << 10: 250 * time.Millisecond, 64 << 10: 550 * time.Millisecond, 128 << 10: time.Second},
	WordProgram:    16 * time.Microsecond,
	Transfer:       time.Millisecond,
	BytesPerSecond: 1e6,
}

// BenchmarkFlash1MB flashes a whole F407 (1 MiB, every sector erased) and
// reports the device-clock time next to the plan's estimate.
func BenchmarkFlash1MB(b *testing.B) {
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: pattern(4, 1<<20)}}}
	for b.Loop() {
		x := newBench(b, "discovery-f407:dfu")
		sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
		if err != nil {
			b.Fatal(err)
		}
		start := x.c.Clock().Now()
		plan, err := flash.NewPlan(img, sv, &flash.Options{Timing: f407Timing, Rewrite: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := flash.Run(x.ctx, x.c, plan, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(x.c.Clock().Now().Sub(start).Seconds(), "device-s/op")
		b.ReportMetric(plan.Estimate.Seconds(), "estimate-s/op")
	}
}

// BenchmarkReflash flashes a 256 KiB image onto a board with the factory
// application, then the same image again: the second time costs only the
// survey. Device-clock seconds for survey and run are reported.
func BenchmarkReflash(b *testing.B) {
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: pattern(6, 256<<10)}}}
	for b.Loop() {
		x := newBench(b, "discovery-f407:dfu")
		for _, name := range []string{"first", "again"} {
			t0 := x.c.Clock().Now()
			sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
			if err != nil {
				b.Fatal(err)
			}
			t1 := x.c.Clock().Now()
			plan, err := flash.NewPlan(img, sv, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := flash.Run(x.ctx, x.c, plan, nil); err != nil {
				b.Fatal(err)
			}
			t2 := x.c.Clock().Now()
			b.ReportMetric(t1.Sub(t0).Seconds(), name+"-survey-device-s/op")
			b.ReportMetric(t2.Sub(t1).Seconds(), name+"-run-device-s/op")
		}
	}
}

// TestInterruptedWriteDoesNotBoot loses power in the middle of writing an
// application over sectors 0-3: the block holding the vector table is
// written last, so a board that then boots from flash (BOOT0 low) finds
// no vector table and starts nothing half-written.
func TestInterruptedWriteDoesNotBoot(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{
		Faults: []sim.Fault{{Kind: sim.FaultPowerLoss, At: sim.AtWrite, N: 20}},
	})
	if err != nil {
		t.Fatal(err)
	}
	x := &bench{t: t, ctx: context.Background(), w: w, b: w.Boards()[0]}
	x.reopen()
	app := sim.AppImage(x.b.Part(), "circuitpython", 64<<10)
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: app}}}
	sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := flash.NewPlan(img, sv, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := flash.Run(x.ctx, x.c, plan, nil)
	if err == nil {
		t.Fatal("Run survived the power loss")
	}
	if res.Written == 0 || res.Written >= len(app) {
		t.Fatalf("written %d of %d bytes: the fault did not interrupt the write", res.Written, len(app))
	}
	x.b.SetBoot0(false)
	x.b.Reset()
	if st := x.b.State(); st.Run == sim.RunApp {
		t.Fatalf("after an interrupted write (%d of %d bytes) the board boots the half-written image: %+v", res.Written, len(app), st)
	}
	if got := x.b.Flash()[:8]; !bytes.Equal(got, bytes.Repeat([]byte{0xff}, 8)) {
		t.Errorf("the vector table holds % x after an interrupted write, want it erased", got)
	}
}

// TestBootBlockWrittenLast: the first block at the flash base is written,
// and verified, after every other block.
func TestBootBlockWrittenLast(t *testing.T) {
	x := newBench(t, "nucleo-f446re:dfu")
	app := sim.AppImage(x.b.Part(), "circuitpython", 40<<10)
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: app}}}
	sv, err := flash.TakeSurvey(x.ctx, x.c, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := flash.NewPlan(img, sv, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := &callLog{Device: x.c}
	res, err := flash.Run(x.ctx, log, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"erase 0x08000000",
		"download 0x08000800+38912", "upload 0x08000800+38912",
		"download 0x08000000+2048", "upload 0x08000000+2048",
	}
	if strings.Join(log.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(log.calls, "\n"), strings.Join(want, "\n"))
	}
	if res.Written != len(app) || res.Verified != len(app) || res.Sectors[0].Written != 0x4000 {
		t.Errorf("result: written %d, verified %d, sector 0 written %d", res.Written, res.Verified, res.Sectors[0].Written)
	}
	if !bytes.Equal(x.b.Flash()[:len(app)], app) {
		t.Error("the board does not hold the image")
	}
}

// callLog records the engine's calls to its Device.
type callLog struct {
	flash.Device
	calls []string
}

func (l *callLog) Erase(ctx context.Context, addr uint32) error {
	l.calls = append(l.calls, fmt.Sprintf("erase 0x%08x", addr))
	return l.Device.Erase(ctx, addr)
}

func (l *callLog) Download(ctx context.Context, addr uint32, data []byte, progress func(int)) error {
	l.calls = append(l.calls, fmt.Sprintf("download 0x%08x+%d", addr, len(data)))
	return l.Device.Download(ctx, addr, data, progress)
}

func (l *callLog) Upload(ctx context.Context, addr uint32, n int, progress func(int)) ([]byte, error) {
	l.calls = append(l.calls, fmt.Sprintf("upload 0x%08x+%d", addr, n))
	return l.Device.Upload(ctx, addr, n, progress)
}
