package progress

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/softdfu/softdfu/board"
)

// newSet is a set in mode m that collects lines and records.
func newSet(m Mode, out *bytes.Buffer) (*Set, *[]string, *[]Record) {
	var lines []string
	var recs []Record
	s := &Set{
		Mode: func() Mode { return m },
		Out:  out,
		Say:  func(line string) { lines = append(lines, line) },
		Emit: func(r Record) { recs = append(recs, r) },
	}
	return s, &lines, &recs
}

// TestRateLimit: a phase gives at most 10 progress records (and 4 plain
// lines) however many updates come, the last one being its end.
func TestRateLimit(t *testing.T) {
	tests := []struct {
		name    string
		mode    Mode
		total   int
		updates int
		want    int
	}{
		{"records, 1 MiB in 512 blocks", Records, 1 << 20, 512, 1 + 10},
		{"records, 3 blocks", Records, 6144, 3, 1 + 3},
		{"records, one sector", Records, 1, 1, 1 + 1},
		{"plain, 512 blocks", Plain, 1 << 20, 512, 1 + 4},
		{"none, 512 blocks", None, 1 << 20, 512, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s, lines, recs := newSet(tt.mode, &out)
			tr := s.Track("1-1", "")
			tr.Begin(board.Writing)
			for i := 1; i <= tt.updates; i++ {
				tr.Update(board.Writing, tt.total*i/tt.updates, tt.total)
			}
			tr.Finish(nil)
			s.Stop()
			if n := len(*lines) + len(*recs); n != tt.want {
				t.Fatalf("%d lines and records, want %d: %q %+v", n, tt.want, *lines, *recs)
			}
			switch tt.mode {
			case Plain:
				if last := (*lines)[len(*lines)-1]; !strings.Contains(last, "100%") {
					t.Errorf("last line %q does not say 100%%", last)
				}
				if (*lines)[0] != "writing" {
					t.Errorf("first line %q, want the phase's message", (*lines)[0])
				}
			case Records:
				first, last := (*recs)[0], (*recs)[len(*recs)-1]
				if first.Progress || first.Phase != board.Writing || first.Message != "writing" {
					t.Errorf("first record %+v, want the phase start", first)
				}
				if !last.Progress || last.Board != "1-1" || last.Unit != "bytes" || last.Done != tt.total || last.Total != tt.total {
					t.Errorf("last record %+v", last)
				}
			}
			if out.Len() != 0 {
				t.Errorf("bars output %q without bars", out.String())
			}
		})
	}
}

// TestPhaseStartedByProgress: a phase reported only by its progress
// starts with a record of its own.
func TestPhaseStartedByProgress(t *testing.T) {
	s, _, recs := newSet(Records, new(bytes.Buffer))
	tr := s.Track("1-1", "")
	if !tr.Event(board.Progress{Phase: board.Writing, Done: 1, Total: 2}) {
		t.Fatal("Event did not take a Progress")
	}
	if tr.Event(board.Planned{}) {
		t.Error("Event took a Planned: the front end shows the plan")
	}
	tr.Note(board.Writing, "a remark")
	want := []Record{
		{Board: "1-1", Phase: board.Writing, Message: "writing"},
		{Board: "1-1", Phase: board.Writing, Progress: true, Done: 1, Total: 2, Unit: "bytes"},
		{Board: "1-1", Phase: board.Writing, Message: "a remark", Note: true},
	}
	if len(*recs) != len(want) {
		t.Fatalf("records %+v, want %+v", *recs, want)
	}
	for i := range want {
		if (*recs)[i] != want[i] {
			t.Errorf("record %d: %+v, want %+v", i, (*recs)[i], want[i])
		}
	}
}

// TestBars draws bars for two boards into a buffer, writes a line above
// them, and checks the bars end and leave no goroutine behind.
func TestBars(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out bytes.Buffer
	s, _, _ := newSet(Bars, &out)
	s.TrackAll([]string{"1-1", "1-2"})
	if !s.Many() {
		t.Error("two boards tracked, Many is false")
	}
	a, b := s.Track("1-1", ""), s.Track("1-2", "")
	a.Begin(board.Writing)
	a.Update(board.Writing, 4096, 8192)
	if !s.Above(&out, "a line above the bars\n") {
		t.Error("Above did not write on the bars' writer")
	}
	if s.Above(new(bytes.Buffer), "elsewhere\n") {
		t.Error("Above wrote for another writer that is no terminal")
	}
	b.Begin(board.Erasing)
	b.Update(board.Erasing, 1, 2)
	a.Finish(nil)
	// b is never finished: Stop must not hang.
	s.Stop()
	for _, want := range []string{"1-1", "1-2", "a line above the bars", "done"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bars output lacks %q:\n%q", want, out.String())
		}
	}
	if s.Above(&out, "after\n") {
		t.Error("Above wrote after Stop")
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int]string{512: "512 B", 2048: "2.0 KiB", 3 << 20: "3.0 MiB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestModeFor(t *testing.T) {
	t.Setenv("SOFTDFU_PROGRESS", "")
	if m := ModeFor(true, false, new(bytes.Buffer)); m != Records {
		t.Errorf("records asked for: mode %v", m)
	}
	if m := ModeFor(false, false, new(bytes.Buffer)); m != Plain {
		t.Errorf("not a terminal: mode %v, want plain", m)
	}
	t.Setenv("SOFTDFU_PROGRESS", "bars")
	if m := ModeFor(false, false, new(bytes.Buffer)); m != Bars {
		t.Errorf("SOFTDFU_PROGRESS=bars: mode %v", m)
	}
	t.Setenv("SOFTDFU_PROGRESS", "none")
	if m := ModeFor(false, true, new(bytes.Buffer)); m != None {
		t.Errorf("SOFTDFU_PROGRESS=none: mode %v", m)
	}
}
