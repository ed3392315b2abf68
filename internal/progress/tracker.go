package progress

import (
	"fmt"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/softdfu/softdfu/board"
)

// Tracker follows one board through the phases of a job.
type Tracker struct {
	set           *Set
	board, prefix string
	mode          Mode
	bar           *mpb.Bar

	mu          sync.Mutex
	phase       board.Phase
	done, total int
	start       time.Time
	step        int
	finished    bool
	failed      bool
}

// Mode is how the tracker shows progress.
func (t *Tracker) Mode() Mode { return t.mode }

// Board is the port path of the tracker's board.
func (t *Tracker) Board() string { return t.board }

// Prefix is what goes before each of the board's lines.
func (t *Tracker) Prefix() string { return t.prefix }

// say prints a line for people through the set.
func (t *Tracker) say(format string, a ...any) {
	t.set.Say(fmt.Sprintf(format, a...))
}

// Begin starts a phase.
func (t *Tracker) Begin(name board.Phase) {
	t.mu.Lock()
	t.phase, t.done, t.total, t.step, t.start = name, 0, 0, 0, time.Now()
	t.mu.Unlock()
	switch t.mode {
	case Records:
		t.set.Emit(Record{Board: t.board, Phase: name, Message: name.Message()})
	case Bars:
		t.bar.SetTotal(0, false)
		t.bar.SetCurrent(0)
	case Plain:
		if s := name.Doing(); s != "" {
			t.say("%s%s", t.prefix, s)
		}
	}
}

// Reached records a phase the front end shows its own way (the plan): a
// record in Records mode, the bar's label otherwise; no line, no reset of
// the bar.
func (t *Tracker) Reached(name board.Phase) {
	if t.mode == Records {
		t.set.Emit(Record{Board: t.board, Phase: name})
		return
	}
	t.mu.Lock()
	t.phase = name
	t.mu.Unlock()
}

// Update reports done of total in phase: records every tenth of the
// phase, plain lines every quarter, the bar always.
func (t *Tracker) Update(phase board.Phase, done, total int) {
	t.mu.Lock()
	started := phase != t.phase
	if started {
		t.phase, t.step, t.start = phase, 0, time.Now()
	}
	t.done, t.total = done, total
	unit := phase.Unit()
	steps := 10
	if t.mode == Plain {
		steps = 4
	}
	step := 0
	if total > 0 {
		step = done * steps / total
	}
	show := step > t.step || (total > 0 && done == total && t.step < steps)
	if show {
		t.step = step
	}
	t.mu.Unlock()
	switch t.mode {
	case Records:
		if started {
			// A phase the job reports only by its progress (erase,
			// write, verify inside the flash engine) starts here.
			t.set.Emit(Record{Board: t.board, Phase: phase, Message: phase.Message()})
		}
		if show {
			t.set.Emit(Record{Board: t.board, Phase: phase, Progress: true, Done: done, Total: total, Unit: unit})
		}
	case Plain:
		if show && total > 0 {
			t.say("%s  %-6s %3d%% (%d/%d %s)", t.prefix, phase, done*100/total, done, total, unit)
		}
	case Bars:
		t.bar.SetTotal(int64(total), false)
		t.bar.SetCurrent(int64(done))
	}
}

// Note passes on a remark for people that belongs to phase.
func (t *Tracker) Note(phase board.Phase, msg string) {
	switch t.mode {
	case Records:
		t.set.Emit(Record{Board: t.board, Phase: phase, Message: msg, Note: true})
	case None:
	default:
		t.say("%s%s", t.prefix, msg)
	}
}

// Event shows the phases and progress of a board.Event and reports
// whether it was one of those; the front end shows the rest (the plan,
// notes).
func (t *Tracker) Event(ev board.Event) bool {
	switch ev := ev.(type) {
	case board.PhaseStarted:
		t.Begin(ev.Phase)
	case board.Progress:
		t.Update(ev.Phase, ev.Done, ev.Total)
	default:
		return false
	}
	return true
}

// Finish ends the board's bar: complete, or aborted on error. Call it
// after the board's last line of output: once every bar is complete mpb
// renders no more, and a line written above the bars would be lost.
func (t *Tracker) Finish(err error) {
	t.mu.Lock()
	if t.finished {
		t.mu.Unlock()
		return
	}
	t.finished, t.failed = true, err != nil
	t.mu.Unlock()
	if t.bar == nil {
		return
	}
	if err != nil {
		t.bar.Abort(false)
		return
	}
	t.bar.SetTotal(1, true) // a full bar
}

// label is the bar's left side: board and phase.
func (t *Tracker) label(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.finished && t.failed:
		return fmt.Sprintf("%s %-8s", t.board, "failed")
	case t.finished:
		return fmt.Sprintf("%s %-8s", t.board, "done")
	}
	return fmt.Sprintf("%s %-8s", t.board, string(t.phase))
}

// figures is the bar's right side: amounts, rate and time left.
func (t *Tracker) figures(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished || t.total == 0 {
		return ""
	}
	el := time.Since(t.start)
	if t.phase.Unit() == "sectors" {
		return fmt.Sprintf("%d/%d sectors", t.done, t.total)
	}
	s := fmt.Sprintf("%s/%s", HumanBytes(t.done), HumanBytes(t.total))
	if el > 200*time.Millisecond && t.done > 0 {
		rate := float64(t.done) / el.Seconds()
		left := time.Duration(float64(t.total-t.done) / rate * float64(time.Second))
		s += fmt.Sprintf("  %s/s  ETA %s", HumanBytes(int(rate)), left.Round(time.Second))
	}
	return s
}
