package flash

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const f407 = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"

func layout(t testing.TB, s string) dfu.Layout {
	t.Helper()
	l, err := dfu.ParseLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// board is a hand-built survey: every sector of the layout filled by fill.
func board(t testing.TB, fill func(addr uint32) byte) *Survey {
	l := layout(t, f407)
	sv := &Survey{Layout: l, Content: map[uint32][]byte{}}
	for _, s := range l.All() {
		b := make([]byte, s.Size)
		for i := range b {
			b[i] = fill(s.Address + uint32(i))
		}
		sv.Content[s.Address] = b
	}
	return sv
}

func blank(uint32) byte { return 0xff }

// pattern is a deterministic, address-dependent byte that is never 0xff.
func pattern(seed byte) func(uint32) byte {
	return func(a uint32) byte { return byte(a*7+uint32(seed)+a>>8) & 0x7f }
}

func fill(addr uint32, n int, f func(uint32) byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = f(addr + uint32(i))
	}
	return b
}

func image(segs ...firmware.Segment) *firmware.Image { return &firmware.Image{Segments: segs} }

type sectorWant struct {
	action     Action
	kept, lost int
}

func TestNewPlan(t *testing.T) {
	old := pattern(1)
	tests := []struct {
		name    string
		img     *firmware.Image
		survey  *Survey
		opts    Options
		sectors map[int]sectorWant // touched sectors; all others must be Untouched
		runs    [][2]uint64        // address, length
		notes   int
	}{{
		name:    "blank board: program without erase",
		img:     image(firmware.Segment{Address: 0x08000000, Data: fill(0x08000000, 70000, pattern(2))}),
		survey:  board(t, blank),
		sectors: map[int]sectorWant{0: {Program, 0, 0}, 1: {Program, 0, 0}, 2: {Program, 0, 0}, 3: {Program, 0, 0}, 4: {Program, 0, 0}},
		runs:    [][2]uint64{{0x08000000, 70000}},
	}, {
		name: "same content is skipped, changed sector erased and rest kept",
		img: image(firmware.Segment{Address: 0x08000000, Data: func() []byte {
			b := fill(0x08000000, 0x9000, old)
			b[0x4010] ^= 0x40 // sector 1 changes
			return b
		}()}),
		survey: board(t, old),
		// sector 2 holds 0x1000 image bytes equal to the old content;
		// sector 0 holds the vector table: erased first, written last.
		sectors: map[int]sectorWant{0: {EraseProgram, 0, 0}, 1: {EraseProgram, 0, 0}, 2: {Unchanged, 0, 0}},
		runs:    [][2]uint64{{0x08000000, 0x8000}},
		notes:   1,
	}, {
		name: "the same, the boot unit left alone (interrupt may boot old)",
		img: image(firmware.Segment{Address: 0x08000000, Data: func() []byte {
			b := fill(0x08000000, 0x9000, old)
			b[0x4010] ^= 0x40
			return b
		}()}),
		survey:  board(t, old),
		opts:    Options{InterruptMayBootOld: true},
		sectors: map[int]sectorWant{0: {Unchanged, 0, 0}, 1: {EraseProgram, 0, 0}, 2: {Unchanged, 0, 0}},
		runs:    [][2]uint64{{0x08004000, 0x4000}},
	}, {
		name:    "keep bytes outside the image",
		img:     image(firmware.Segment{Address: 0x08010100, Data: []byte{1, 2, 3, 4}}),
		survey:  board(t, old),
		sectors: map[int]sectorWant{4: {EraseProgram, 0x10000 - 4, 0}},
		runs:    [][2]uint64{{0x08010000, 0x10000}},
	}, {
		name:    "no keep",
		img:     image(firmware.Segment{Address: 0x08010100, Data: []byte{1, 2, 3, 4}}),
		survey:  board(t, old),
		opts:    Options{NoKeep: true},
		sectors: map[int]sectorWant{4: {EraseProgram, 0, 0x10000 - 4}},
		runs:    [][2]uint64{{0x08010100, 4}},
		notes:   1,
	}, {
		name:    "bits only cleared: program without erase",
		img:     image(firmware.Segment{Address: 0x08000010, Data: []byte{0x00, 0x30}}),
		survey:  board(t, func(uint32) byte { return 0xf0 }),
		sectors: map[int]sectorWant{0: {Program, 0, 0}},
		runs:    [][2]uint64{{0x08000010, 2}},
	}, {
		name:    "a bit to set: erase",
		img:     image(firmware.Segment{Address: 0x08000010, Data: []byte{0x00, 0x0f}}),
		survey:  board(t, func(uint32) byte { return 0xf0 }),
		sectors: map[int]sectorWant{0: {EraseProgram, 0x4000 - 2, 0}},
		runs:    [][2]uint64{{0x08000000, 0x4000}},
	}, {
		name:    "all-0xff image over content: erase only",
		img:     image(firmware.Segment{Address: 0x08000000, Data: bytes.Repeat([]byte{0xff}, 0x4000)}),
		survey:  board(t, old),
		sectors: map[int]sectorWant{0: {Erase, 0, 0}},
	}, {
		name:    "read protected: erase every touched sector",
		img:     image(firmware.Segment{Address: 0x08003ff0, Data: make([]byte, 0x20)}),
		survey:  &Survey{Layout: layout(t, f407), Protected: true},
		sectors: map[int]sectorWant{0: {EraseProgram, 0, 0x4000 - 0x10}, 1: {EraseProgram, 0, 0x4000 - 0x10}},
		runs:    [][2]uint64{{0x08003ff0, 0x20}},
		notes:   1,
	}, {
		name:    "not surveyed",
		img:     image(firmware.Segment{Address: 0x08000000, Data: []byte{1}}),
		survey:  &Survey{Layout: layout(t, f407)},
		sectors: map[int]sectorWant{0: {EraseProgram, 0, 0x4000 - 1}},
		runs:    [][2]uint64{{0x08000000, 1}},
		notes:   1,
	}, {
		name:    "force",
		img:     image(firmware.Segment{Address: 0x08000000, Data: fill(0x08000000, 16, old)}),
		survey:  board(t, old),
		opts:    Options{Rewrite: true},
		sectors: map[int]sectorWant{0: {EraseProgram, 0x4000 - 16, 0}},
		runs:    [][2]uint64{{0x08000000, 0x4000}},
	}, {
		name: "short gap filled, long gap not",
		img: image(
			firmware.Segment{Address: 0x08000000, Data: []byte{1, 2}},
			firmware.Segment{Address: 0x08000100, Data: []byte{3}},
			firmware.Segment{Address: 0x08001000, Data: []byte{4}},
		),
		survey:  board(t, blank),
		sectors: map[int]sectorWant{0: {Program, 0, 0}},
		runs:    [][2]uint64{{0x08000000, 0x101}, {0x08001000, 1}},
	}, {
		name: "gap not filled across an unchanged sector",
		img: image(
			firmware.Segment{Address: 0x08003fff, Data: []byte{0x80}},
			firmware.Segment{Address: 0x08004000, Data: fill(0x08004000, 0x4000, old)},
			firmware.Segment{Address: 0x08008000, Data: []byte{0x80}},
		),
		survey:  board(t, old),
		opts:    Options{NoKeep: true},
		sectors: map[int]sectorWant{0: {EraseProgram, 0, 0x3fff}, 1: {Unchanged, 0, 0}, 2: {EraseProgram, 0, 0x3fff}},
		runs:    [][2]uint64{{0x08003fff, 1}, {0x08008000, 1}},
		notes:   1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(tt.img, tt.survey, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Sectors) != 12 {
				t.Fatalf("%d sectors, want 12", len(p.Sectors))
			}
			for _, s := range p.Sectors {
				want := tt.sectors[s.Index]
				if s.Action != want.action || s.Kept != want.kept || s.Lost != want.lost {
					t.Errorf("sector %d: %v kept %d lost %d; want %v kept %d lost %d", s.Index, s.Action, s.Kept, s.Lost, want.action, want.kept, want.lost)
				}
			}
			var runs [][2]uint64
			for _, r := range p.Runs {
				runs = append(runs, [2]uint64{uint64(r.Address), uint64(len(r.Data))})
			}
			if !reflect.DeepEqual(runs, tt.runs) {
				t.Errorf("runs %x, want %x", runs, tt.runs)
			}
			if len(p.Notes) != tt.notes {
				t.Errorf("notes %q, want %d", p.Notes, tt.notes)
			}
			checkResult(t, p, tt.img, tt.survey, tt.opts.NoKeep)
		})
	}
}

// checkResult simulates the plan with flash physics (erase sets 0xff,
// programming ANDs) on the survey's content and checks the image landed and
// kept bytes stayed.
func checkResult(t *testing.T, p *Plan, img *firmware.Image, sv *Survey, noKeep bool) {
	t.Helper()
	if sv.Protected || len(sv.Content) == 0 {
		return
	}
	mem := map[uint32][]byte{}
	for a, b := range sv.Content {
		mem[a] = bytes.Clone(b)
	}
	at := func(a uint32) *byte {
		s, _ := p.Layout.Find(a)
		return &mem[s.Address][a-s.Address]
	}
	for _, s := range p.Erased() {
		for i := range mem[s.Address] {
			mem[s.Address][i] = 0xff
		}
	}
	for _, r := range p.Runs {
		for i, v := range r.Data {
			*at(r.Address + uint32(i)) &= v
		}
	}
	inImage := map[uint32]bool{}
	for _, seg := range img.Segments {
		for i, v := range seg.Data {
			a := seg.Address + uint32(i)
			inImage[a] = true
			if got := *at(a); got != v {
				t.Fatalf("after the plan 0x%08x = 0x%02x, want image byte 0x%02x", a, got, v)
			}
		}
	}
	if noKeep {
		return
	}
	for a, b := range sv.Content {
		for i, v := range b {
			if !inImage[a+uint32(i)] && mem[a][i] != v {
				t.Fatalf("after the plan 0x%08x = 0x%02x, want kept byte 0x%02x", a+uint32(i), mem[a][i], v)
			}
		}
	}
}

func TestNewPlanErrors(t *testing.T) {
	sv := board(t, blank)
	tests := []struct {
		name   string
		img    *firmware.Image
		survey *Survey
		want   string
	}{
		{"nil image", nil, sv, "the image is empty"},
		{"empty image", image(firmware.Segment{Address: 0x08000000}), sv, "the image is empty"},
		{"no layout", image(firmware.Segment{Address: 0x08000000, Data: []byte{1}}), &Survey{}, "no memory layout"},
		{"alt 1", image(firmware.Segment{Address: 0x1fffc000, Data: []byte{1}, Alt: 1}), sv, "segment at 0x1fffc000 (1 bytes) is for alternate setting 1"},
		{"past the end", image(firmware.Segment{Address: 0x080ffff0, Data: make([]byte, 32)}), sv,
			`image byte at 0x08100000 lies outside the board's writable flash, "Internal Flash" 0x08000000-0x080fffff`},
		{"before the start", image(firmware.Segment{Address: 0x07fffffe, Data: make([]byte, 4)}), sv, "image byte at 0x07fffffe"},
		{"overlap", image(firmware.Segment{Address: 0x08000000, Data: make([]byte, 4)}, firmware.Segment{Address: 0x08000002, Data: make([]byte, 4)}), sv, "segments overlap"},
		{"bad survey", image(firmware.Segment{Address: 0x08000000, Data: []byte{1}}),
			&Survey{Layout: sv.Layout, Content: map[uint32][]byte{0x08000000: {1}}}, "holds 1 bytes for sector 0 at 0x08000000, which has 16384"},
		{"read-only sector", image(firmware.Segment{Address: 0x1fff0000, Data: []byte{1}}),
			&Survey{Layout: layout(t, "@ROM/0x1FFF0000/01*030Ka")}, "image byte at 0x1fff0000 lies outside"},
		{"not erasable", image(firmware.Segment{Address: 0x1fff7800, Data: []byte{1}}),
			&Survey{Layout: layout(t, "@OTP/0x1FFF7800/01*512 e")}, "must be erased for the image but the layout says it cannot be"},
	}
	for _, tt := range tests {
		_, err := NewPlan(tt.img, tt.survey, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

// F4 datasheet typical values (docs/PROTOCOL.md section 4) and the USB model.
var testTiming = &Timing{
	SectorErase:    map[uint32]time.Duration{16 << 10: 250 * time.Millisecond, 64 << 10: 550 * time.Millisecond, 128 << 10: time.Second},
	WordProgram:    16 * time.Microsecond,
	Transfer:       time.Millisecond,
	BytesPerSecond: 1 << 20,
}

func TestPlanString(t *testing.T) {
	old := pattern(1)
	img := image(
		firmware.Segment{Address: 0x08000000, Data: fill(0x08000000, 0x4000, old)}, // unchanged
		firmware.Segment{Address: 0x08004000, Data: fill(0x08004000, 0x5000, pattern(9))},
		firmware.Segment{Address: 0x08020000, Data: fill(0x08020000, 100, pattern(3))},
	)
	sv := board(t, old)
	for a := uint32(0x08008000); a < 0x08010000; a += 0x4000 {
		sv.Content[a] = bytes.Repeat([]byte{0xff}, 0x4000)
	}
	p, err := NewPlan(img, sv, &Options{Timing: testTiming})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.golden", p.String())

	p, err = NewPlan(img, &Survey{Layout: sv.Layout, Protected: true}, &Options{NoVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-protected.golden", p.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs; got:\n%s\nwant:\n%s", name, got, want)
	}
}

// FuzzNewPlan builds plans from random images and board contents on a small
// layout and checks them against flash physics: after the erases and the
// runs the board holds the image, and (unless no-keep) every other byte it
// held before.
func FuzzNewPlan(f *testing.F) {
	f.Add([]byte{0, 0, 10, 1, 0x80, 3, 0, 200, 2})
	f.Add([]byte{3, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{1, 0x10, 0x20, 0x30, 0x40, 0x50, 7, 7, 7, 7, 7})
	l := layout(f, "@F/0x08000000/04*001Kg,01*002Kg")
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 2 {
			return
		}
		mode, in := in[0], in[1:]
		// Board content: blank, a pattern, or bits of the input.
		sv := &Survey{Layout: l, Content: map[uint32][]byte{}}
		for _, s := range l.All() {
			b := make([]byte, s.Size)
			for i := range b {
				switch mode % 3 {
				case 0:
					b[i] = 0xff
				case 1:
					b[i] = byte(i*7) | 0x0f
				default:
					b[i] = in[i%len(in)] | byte(i)
				}
			}
			sv.Content[s.Address] = b
		}
		// Segments: (offset/16, length) pairs from the input.
		img := &firmware.Image{}
		end := uint32(0)
		for i := 0; i+1 < len(in) && len(img.Segments) < 6; i += 2 {
			addr := 0x08000000 + end + uint32(in[i])*8
			n := int(in[i+1])*8 + 1
			if uint64(addr)+uint64(n) > 0x08000000+6<<10 {
				break
			}
			data := make([]byte, n)
			for j := range data {
				data[j] = in[(i+j)%len(in)] ^ byte(j)
			}
			img.Segments = append(img.Segments, firmware.Segment{Address: addr, Data: data})
			end = addr + uint32(n) - 0x08000000
		}
		if len(img.Segments) == 0 {
			return
		}
		opts := &Options{NoKeep: mode&4 != 0, Rewrite: mode&8 != 0, TransferSize: 64}
		p, err := NewPlan(img, sv, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, p, img, sv, opts.NoKeep)
		_ = p.String()
	})
}

func TestPlanJSON(t *testing.T) {
	p, err := NewPlan(image(firmware.Segment{Address: 0x08000000, Data: []byte{1, 2, 3}}), board(t, blank), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Runs":[{"address":134217728,"size":3}]`, `"Action":"write"`, `"Flags":"rew"`, `"Action":"-"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestCombine(t *testing.T) {
	sec := func(i int, a Action, erased bool, written int) SectorResult {
		return SectorResult{Sector: dfu.Sector{Index: i, Address: 0x08000000 + uint32(i)*0x4000, Size: 0x4000}, Action: a, Erased: erased, Written: written}
	}
	first := &Result{Erased: 3, Written: 0x4800, Verified: 0, WriteTime: time.Second,
		Sectors: []SectorResult{sec(0, EraseProgram, true, 0x3800), sec(1, EraseProgram, true, 0x1000), sec(2, EraseProgram, true, 0)}}
	// The retry: sector 0 lacks its boot block, sector 1 is rewritten
	// from an erase, sector 2 was erased and is now only programmed.
	second := &Result{Erased: 1, Written: 0x800 + 0x4000 + 0x4000, Verified: 0x800 + 0x4000 + 0x4000, WriteTime: time.Second,
		Sectors: []SectorResult{sec(0, Program, false, 0x800), sec(1, EraseProgram, true, 0x4000), sec(2, Program, false, 0x4000)}}
	got := Combine(first, second)
	want := []SectorResult{sec(0, Program, true, 0x4000), sec(1, EraseProgram, true, 0x4000), sec(2, Program, true, 0x4000)}
	if fmt.Sprint(got.Sectors) != fmt.Sprint(want) {
		t.Errorf("sectors\n%v\nwant\n%v", got.Sectors, want)
	}
	if got.Erased != 4 || got.Written != 0x4800+0x8800 || got.Verified != 0x8800+0x3800 || got.WriteTime != 2*time.Second {
		t.Errorf("totals: erased %d, written %#x, verified %#x, write time %v", got.Erased, got.Written, got.Verified, got.WriteTime)
	}
	if Combine(nil, second) != second || Combine(first, nil) != first {
		t.Error("Combine with nil does not return the other")
	}
}

// BenchmarkNewPlan1MB plans a 1 MB image over a different 1 MB build (every
// sector erased), the host's computing between survey and erase.
func BenchmarkNewPlan1MB(b *testing.B) {
	sv := board(b, pattern(1))
	img := image(firmware.Segment{Address: 0x08000000, Data: fill(0x08000000, 1<<20, pattern(2))})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewPlan(img, sv, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewPlanBlind1MB plans a 1 MB image over a board whose content
// is unknown: the check before the survey reads anything.
func BenchmarkNewPlanBlind1MB(b *testing.B) {
	sv := board(b, pattern(1))
	img := image(firmware.Segment{Address: 0x08000000, Data: fill(0x08000000, 1<<20, pattern(2))})
	blind := &Survey{Layout: sv.Layout}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewPlan(img, blind, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlanSharesImageBytes: a plan over whole sectors writes the image's
// own bytes (no copy of a 1 MB image per plan), and plans made at once
// from one image, over content that is programmed over or erased, leave
// it as it was (go test -race sees any write).
func TestPlanSharesImageBytes(t *testing.T) {
	data := fill(0x08000000, 1<<20, pattern(2))
	img := image(firmware.Segment{Address: 0x08000000, Data: data})
	want := bytes.Clone(data)
	blank := func(uint32) byte { return 0xff }
	var wg sync.WaitGroup
	for _, content := range []func(uint32) byte{pattern(1), blank, nil} {
		wg.Go(func() {
			sv := &Survey{Layout: board(t, pattern(1)).Layout}
			if content != nil {
				sv = board(t, content)
			}
			p, err := NewPlan(img, sv, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if len(p.Runs) != 1 || len(p.Runs[0].Data) != 1<<20 || &p.Runs[0].Data[0] != &data[0] {
				t.Errorf("runs %d, want one run of the image's own 1 MB", len(p.Runs))
			}
		})
	}
	wg.Wait()
	if !bytes.Equal(data, want) {
		t.Error("planning changed the image")
	}
}

// TestProgrammedWholeMask: the word-at-a-time mask of a sector the image
// covers marks exactly the bytes that differ, in words where none, some
// or all differ and in a tail shorter than a word.
func TestProgrammedWholeMask(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 13, 64, 1001} {
		cur, want := make([]byte, n), make([]byte, n)
		for i := range cur {
			cur[i] = byte(r.IntN(4)) // often equal, often not
			want[i] = byte(r.IntN(4))
			if i/8%3 == 1 {
				want[i] = cur[i] // whole words the same
			}
			if i/8%3 == 0 {
				want[i] = ^cur[i] // whole words different
			}
		}
		sp := &sectorPlan{}
		f := programmedWhole(sp, sectorImage{want: want, full: true, n: n}, cur)
		if sp.Action != Program || !bytes.Equal(f, want) {
			t.Fatalf("n=%d: action %v", n, sp.Action)
		}
		for i := range cur {
			if sp.mask[i] != (cur[i] != want[i]) {
				t.Fatalf("n=%d: mask[%d] = %v for 0x%02x -> 0x%02x", n, i, sp.mask[i], cur[i], want[i])
			}
		}
	}
}
