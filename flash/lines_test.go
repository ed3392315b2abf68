package flash

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/firmware"
)

// TestPlanLines: a dry run's whole plan and the brief shown as a job
// starts, line by line.
func TestPlanLines(t *testing.T) {
	img := image(firmware.Segment{Address: 0x08004000, Data: fill(0x08004000, 0x5000, pattern(9))})
	p, err := NewPlan(img, board(t, pattern(1)), &Options{Timing: testTiming})
	if err != nil {
		t.Fatal(err)
	}
	p.Notes = []string{"n1", "n2"}
	lines := p.Lines()
	want := append([]string{p.Headline()}, strings.Split(p.Map(nil), "\n")...)
	want = append(want, "plan: "+p.Totals(), "note: n1", "note: n2")
	if !slices.Equal(lines, want) {
		t.Errorf("Lines\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasPrefix(lines[1], "#") || len(lines) < 6 {
		t.Errorf("no sector map in %q", lines)
	}
	p.Estimate = 1500 * time.Microsecond
	if got, want := p.Brief(), []string{p.Headline(), "plan: estimated time 2ms", "plan: n1", "plan: n2"}; !slices.Equal(got, want) {
		t.Errorf("Brief %q, want %q", got, want)
	}
	p.Estimate, p.Notes = 0, nil
	if got := p.Brief(); !slices.Equal(got, []string{p.Headline()}) {
		t.Errorf("Brief without estimate or notes %q", got)
	}
}
