package flash

import (
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

// TestPlanBootUnit: the unit at the flash base is erased first and
// written last when it holds a vector table and the plan changes
// anything past its first block; left alone otherwise, and always when
// the image does not cover the flash base (a bootloader of the user's
// lives there).
func TestPlanBootUnit(t *testing.T) {
	old := pattern(1)
	changed := func(n int, at ...int) []byte {
		b := fill(0x08000000, n, old)
		for _, a := range at {
			b[a] ^= 0x40
		}
		return b
	}
	blankBoot := board(t, old)
	blankBoot.Content[0x08000000] = fill(0x08000000, 0x4000, blank)
	tests := []struct {
		name  string
		img   *firmware.Image
		sv    *Survey
		opts  Options
		want  Action // sector 0
		boot  bool   // erased for the boot rule
		kept0 int
	}{
		{name: "another sector changes", img: image(firmware.Segment{Address: 0x08000000, Data: changed(0x30000, 0x20010)}), sv: board(t, old), want: EraseProgram, boot: true},
		{name: "nothing changes", img: image(firmware.Segment{Address: 0x08000000, Data: changed(0x30000)}), sv: board(t, old), want: Unchanged},
		{name: "opt-out", img: image(firmware.Segment{Address: 0x08000000, Data: changed(0x30000, 0x20010)}), sv: board(t, old), opts: Options{InterruptMayBootOld: true}, want: Unchanged},
		{name: "image past the flash base: a user bootloader stays", img: image(firmware.Segment{Address: 0x08004000, Data: changed(0x30000)[0x4000:]}), sv: func() *Survey {
			sv := board(t, old)
			sv.Content[0x08008000][0x10] = 0 // sector 2 must be erased
			return sv
		}(), want: Untouched},
		{name: "boot unit blank: written last, no erase", img: image(firmware.Segment{Address: 0x08000000, Data: changed(0x30000, 0x20010)}), sv: blankBoot, want: Program},
		{name: "only the boot unit's first block changes", img: image(firmware.Segment{Address: 0x08000000, Data: func() []byte {
			b := changed(0x30000)
			b[0x10] &^= 0x01 // bits cleared: programmed in place
			if b[0x10] == old(0x08000010) {
				b[0x10] &^= 0x02
			}
			return b
		}()}), sv: board(t, old), want: Program},
		{name: "programmed past the first block", img: image(firmware.Segment{Address: 0x08000000, Data: func() []byte {
			b := changed(0x30000)
			b[0x3000] = 0
			return b
		}()}), sv: board(t, old), want: EraseProgram, boot: true},
		{name: "kept bytes stay, also with no-keep", img: image(
			firmware.Segment{Address: 0x08000000, Data: fill(0x08000000, 0x100, old)},
			firmware.Segment{Address: 0x08004000, Data: changed(0x8000, 0x10)[:0x100]}), sv: board(t, old), opts: Options{NoKeep: true}, want: EraseProgram, boot: true, kept0: 0x4000 - 0x100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(tt.img, tt.sv, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := p.Sectors[0]
			if s.Action != tt.want || (s.Reason == BootReason) != tt.boot || s.Lost != 0 || s.Kept != tt.kept0 {
				t.Fatalf("sector 0: %v (reason %q, kept %d, lost %d), want %v (boot rule %v, kept %d)", s.Action, s.Reason, s.Kept, s.Lost, tt.want, tt.boot, tt.kept0)
			}
			note := strings.Contains(strings.Join(p.Notes, "\n"), "boot vector table")
			if note != tt.boot {
				t.Errorf("notes %q: a note on the boot unit %v, want %v", p.Notes, note, tt.boot)
			}
			if tt.boot && p.Erased()[0].Index != 0 {
				t.Errorf("first erase is sector %d, want the boot unit first", p.Erased()[0].Index)
			}
			if tt.boot {
				if _, boot := p.bootLast(); len(boot) != 1 || boot[0].Address != 0x08000000 {
					t.Errorf("boot block %v: want the block at the flash base written last", boot)
				}
			}
			checkResult(t, p, tt.img, tt.sv, tt.opts.NoKeep)
		})
	}
}

// TestPlanBootUnitEstimate: the estimate counts the boot unit's erase and
// rewrite.
func TestPlanBootUnitEstimate(t *testing.T) {
	old := pattern(1)
	b := fill(0x08000000, 0x30000, old)
	b[0x20010] |= 0x80 // a bit to set: sector 5 is erased
	img := image(firmware.Segment{Address: 0x08000000, Data: b})
	safe, err := NewPlan(img, board(t, old), &Options{Timing: testTiming})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := NewPlan(img, board(t, old), &Options{Timing: testTiming, InterruptMayBootOld: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(safe.Erased()) != 2 || len(fast.Erased()) != 1 || safe.WriteBytes() != fast.WriteBytes()+0x4000 {
		t.Fatalf("erased %d and %d, wrote %d and %d", len(safe.Erased()), len(fast.Erased()), safe.WriteBytes(), fast.WriteBytes())
	}
	if d := safe.Estimate - fast.Estimate; d < testTiming.SectorErase[0x4000] {
		t.Errorf("the boot unit adds %v to the estimate, less than its erase", d)
	}
}
