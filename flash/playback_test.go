package flash_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbtest"
)

// A scenario is one update (open, survey, plan, run) whose USB requests
// are recorded once from a simulated board (TestRecordTranscripts with
// -record) into testdata/transcripts/NAME.txt; the Playback tests run the
// same update against the transcript alone, so any change to the requests
// the engine sends shows as a diff, and check what it concluded.
type scenario struct {
	name  string
	about string
	img   *firmware.Image
	opts  flash.Options
	check func(t *testing.T, o *outcome)
}

// outcome is what the update gave.
type outcome struct {
	sv     *flash.Survey
	plan   *flash.Plan
	res    *flash.Result
	err    error // of Run (earlier steps must succeed)
	phases []flash.Phase
}

// runs returns n bytes in runs of 32 equal bytes (compact transcripts).
func runs(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*11+i/32) & 0x7f
	}
	return b
}

func seg(addr uint32, data []byte) firmware.Segment {
	return firmware.Segment{Address: addr, Data: data}
}

// existingImage is the image of existing-content and boot-unit-first.
var existingImage = &firmware.Image{Segments: []firmware.Segment{
	seg(0x08000000, oldSector0), seg(0x08004100, runs(9, 100)), seg(0x08008000, runs(3, 0x4000+500)),
}}

// Contents the recorded boards (nucleo-f446re, 4x16K 64K 3x128K) held.
var (
	oldSector0 = runs(7, 0x4000)
	oldSector1 = runs(1, 0x4000)
)

var scenarios = []scenario{
	{
		name:  "existing-content",
		about: "sector 0 holds the image (skipped: InterruptMayBootOld), sector 1 changes (erased, rest kept), sectors 2-3 are blank (programmed)",
		img:   existingImage,
		opts:  flash.Options{InterruptMayBootOld: true},
		check: func(t *testing.T, o *outcome) {
			if o.err != nil {
				t.Fatal(o.err)
			}
			want := map[int]flash.Action{0: flash.Unchanged, 1: flash.EraseProgram, 2: flash.Program, 3: flash.Program}
			for _, s := range o.plan.Sectors {
				if s.Action != want[s.Index] {
					t.Errorf("sector %d: %v, want %v", s.Index, s.Action, want[s.Index])
				}
			}
			if s := o.plan.Sectors[1]; s.Kept != 0x4000-100 {
				t.Errorf("sector 1 keeps %d bytes, want %d", s.Kept, 0x4000-100)
			}
			if r := o.res; r.Erased != 1 || r.Written != 0x8000+500 || r.Verified != r.Written {
				t.Errorf("result: erased %d, written %d, verified %d", r.Erased, r.Written, r.Verified)
			}
			if len(o.phases) != 3 {
				t.Errorf("progress phases %v, want erase, write, verify", o.phases)
			}
			if o.res.EraseTime < 250*time.Millisecond {
				t.Errorf("erase took %v in the device clock, less than a 16 KB sector needs", o.res.EraseTime)
			}
		},
	},
	{
		name:  "boot-unit-first",
		about: "existing-content by default: sector 0, unchanged but holding the vector table, is erased before sector 1 and its first block written and verified after everything else",
		img:   existingImage,
		check: func(t *testing.T, o *outcome) {
			if o.err != nil {
				t.Fatal(o.err)
			}
			want := map[int]flash.Action{0: flash.EraseProgram, 1: flash.EraseProgram, 2: flash.Program, 3: flash.Program}
			for _, s := range o.plan.Sectors {
				if s.Action != want[s.Index] {
					t.Errorf("sector %d: %v, want %v", s.Index, s.Action, want[s.Index])
				}
			}
			if s := o.plan.Sectors[0]; s.Reason != flash.BootReason || o.plan.Erased()[0].Index != 0 {
				t.Errorf("sector 0: reason %q, first erase %d: want the boot rule, sector 0 first", s.Reason, o.plan.Erased()[0].Index)
			}
			if r := o.res; r.Erased != 2 || r.Written != 0xc000+500 || r.Verified != r.Written || r.Sectors[0].Written != 0x4000 {
				t.Errorf("result: erased %d, written %d, verified %d, sectors %+v", r.Erased, r.Written, r.Verified, r.Sectors)
			}
			phases := []flash.Phase{flash.PhaseErase, flash.PhaseWrite, flash.PhaseVerify, flash.PhaseWrite, flash.PhaseVerify}
			if fmt.Sprint(o.phases) != fmt.Sprint(phases) {
				t.Errorf("phases %v, want %v (the boot block written and verified last)", o.phases, phases)
			}
		},
	},
	{
		name:  "read-protected",
		about: "RDP level 1: the survey learns nothing, the erase is refused with errVENDOR",
		img:   &firmware.Image{Segments: []firmware.Segment{seg(0x08000000, runs(2, 100))}},
		check: func(t *testing.T, o *outcome) {
			if !o.sv.Protected || o.sv.Content != nil {
				t.Errorf("survey: protected %v, content %v", o.sv.Protected, o.sv.Content != nil)
			}
			if o.plan.Sectors[0].Action != flash.EraseProgram || len(o.plan.Notes) != 1 {
				t.Errorf("plan: sector 0 %v, notes %q", o.plan.Sectors[0].Action, o.plan.Notes)
			}
			var se *dfu.StatusError
			if !errors.As(o.err, &se) || se.Status != dfu.ErrVendor || o.res.Erased != 0 || !strings.Contains(o.err.Error(), "erasing sector 0 at 0x08000000") {
				t.Fatalf("Run under read protection: %v", o.err)
			}
		},
	},
	{
		name:  "boot-block-last",
		about: "20 KB over the factory application: sector 0 erased, the block at the flash base written and verified after all others",
		img:   &firmware.Image{Segments: []firmware.Segment{seg(0x08000000, runs(5, 0x5000))}},
		check: func(t *testing.T, o *outcome) {
			if o.err != nil {
				t.Fatal(o.err)
			}
			if o.plan.Sectors[0].Action != flash.EraseProgram || o.plan.Sectors[1].Action != flash.Program {
				t.Errorf("plan: sector 0 %v, sector 1 %v", o.plan.Sectors[0].Action, o.plan.Sectors[1].Action)
			}
			if r := o.res; r.Written != 0x5000 || r.Verified != 0x5000 || r.Sectors[0].Written != 0x4000 || r.Sectors[1].Written != 0x1000 {
				t.Errorf("result: written %d, verified %d, sectors %+v", r.Written, r.Verified, r.Sectors)
			}
			want := []flash.Phase{flash.PhaseErase, flash.PhaseWrite, flash.PhaseVerify, flash.PhaseWrite, flash.PhaseVerify}
			if fmt.Sprint(o.phases) != fmt.Sprint(want) {
				t.Errorf("phases %v, want %v (the boot block written and verified last)", o.phases, want)
			}
		},
	},
}

// update runs a scenario's update on dev.
func update(ctx context.Context, t *testing.T, dev usb.Device, sc scenario) *outcome {
	t.Helper()
	c, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := &outcome{}
	if o.sv, err = flash.TakeSurvey(ctx, c, sc.img, nil); err != nil {
		t.Fatal(err)
	}
	opts := sc.opts
	if o.plan, err = flash.NewPlan(sc.img, o.sv, &opts); err != nil {
		t.Fatal(err)
	}
	o.res, o.err = flash.Run(ctx, c, o.plan, func(p flash.Progress) {
		if n := len(o.phases); n == 0 || o.phases[n-1] != p.Phase {
			o.phases = append(o.phases, p.Phase)
		}
	})
	return o
}

func transcript(name string) string { return filepath.Join("testdata", "transcripts", name+".txt") }

// TestPlaybackUpdates runs every scenario against its recorded transcript:
// no simulator, only the requests and answers of the recorded run.
func TestPlaybackUpdates(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			pb, err := usbtest.Load(transcript(sc.name))
			if err != nil {
				t.Fatalf("%v (record it: go test ./flash -run TestRecordTranscripts -record)", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			o := update(ctx, t, pb, sc)
			if err := pb.Done(); err != nil {
				t.Fatalf("%v\n(if the engine is meant to send other requests now, record again: go test ./flash -run TestRecordTranscripts -record)", err)
			}
			sc.check(t, o)
		})
	}
}

// TestPlaybackDiffers shows what a playback says when the engine sends
// another request than the recorded one: here the image differs by one
// byte from the recorded run's.
func TestPlaybackDiffers(t *testing.T) {
	pb, err := usbtest.Load(transcript("existing-content"))
	if err != nil {
		t.Fatal(err)
	}
	sc := scenarios[0]
	data := append([]byte(nil), sc.img.Segments[2].Data...)
	data[0x1000] ^= 0x01
	sc.img = &firmware.Image{Segments: []firmware.Segment{sc.img.Segments[0], sc.img.Segments[1], seg(0x08008000, data)}}
	o := update(context.Background(), t, pb, sc)
	if !errors.Is(o.err, usbtest.ErrMismatch) {
		t.Fatalf("Run: %v, want a mismatch", o.err)
	}
	for _, want := range []string{"existing-content.txt line", "want: control 21 01", "got:  control 21 01", "data byte"} {
		if !strings.Contains(o.err.Error(), want) {
			t.Errorf("the mismatch %q does not say %q", o.err, want)
		}
	}
}
