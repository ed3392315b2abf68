package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/softdfu/softdfu/board"
)

// TestProgressRateLimit checks that a phase gives at most 10 JSON progress
// events (and 4 plain lines), however many updates come, the last one
// being the end of the phase.
func TestProgressRateLimit(t *testing.T) {
	tests := []struct {
		name      string
		json      bool
		total     int
		updates   int
		wantLines int
	}{
		{"json, 1 MiB in 512 blocks", true, 1 << 20, 512, 1 + 10},
		{"json, 3 blocks", true, 6144, 3, 1 + 3},
		{"json, one sector", true, 1, 1, 1 + 1},
		{"plain, 512 blocks", false, 1 << 20, 512, 1 + 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SOFTDFU_PROGRESS", "plain")
			var out, errOut bytes.Buffer
			e := &env{stdout: &out, stderr: &errOut, json: tt.json}
			tr := e.tracker("1-1", "")
			tr.Begin(board.Writing)
			for i := 1; i <= tt.updates; i++ {
				tr.Update(board.Writing, tt.total*i/tt.updates, tt.total)
			}
			tr.Finish(nil)
			e.stopProgress()
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != tt.wantLines {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), tt.wantLines, out.String())
			}
			last := lines[len(lines)-1]
			if !tt.json {
				if !strings.Contains(last, "100%") {
					t.Errorf("last line %q does not say 100%%", last)
				}
				return
			}
			var ev struct {
				Event, Board, Phase, Unit string
				Done, Total               int
			}
			if err := json.Unmarshal([]byte(last), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Event != "progress" || ev.Board != "1-1" || ev.Phase != "write" || ev.Unit != "bytes" || ev.Done != tt.total || ev.Total != tt.total {
				t.Errorf("last event %+v", ev)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr %q, want nothing", errOut.String())
			}
		})
	}
}

// TestProgressBars draws bars for two boards into a buffer and checks the
// bars end and leave no goroutine behind.
func TestProgressBars(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Setenv("SOFTDFU_PROGRESS", "bars")
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut}
	e.trackBoards([]board.Board{{Path: "1-1"}, {Path: "1-2"}})
	a, b := e.tracker("1-1", ""), e.tracker("1-2", "")
	a.Begin(board.Writing)
	a.Update(board.Writing, 4096, 8192)
	e.say("a line for stdout, not a terminal")
	e.warn("a line above the bars")
	b.Begin(board.Erasing)
	b.Update(board.Erasing, 1, 2)
	a.Finish(nil)
	// b is never finished: stopProgress must not hang.
	e.stopProgress()
	got := errOut.String()
	for _, want := range []string{"1-1", "1-2", "a line above the bars", "done"} {
		if !strings.Contains(got, want) {
			t.Errorf("bars output lacks %q:\n%q", want, got)
		}
	}
	if out.String() != "a line for stdout, not a terminal\n" {
		t.Errorf("stdout %q: only the line for stdout belongs there", out.String())
	}
}
