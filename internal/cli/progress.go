package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/flash"
)

// How progress is shown. The mode is chosen once per run: JSON Lines
// events with --json; bars when stderr is a terminal (and neither -v nor
// SOFTDFU_PROGRESS=plain asks otherwise); plain lines at each quarter of a
// phase otherwise.
const (
	progressPlain = iota
	progressBars
	progressJSON
	progressNone
)

// progress shows how a long job goes on each board. Its zero value is
// ready; the first tracker decides the mode.
type progress struct {
	mu       sync.Mutex
	mode     int
	chosen   bool
	bars     *mpb.Progress
	barsOut  io.Writer
	trackers map[string]*tracker
	order    []*tracker
}

// progressMode picks how progress is shown.
func (e *env) progressMode() int {
	switch {
	case e.json:
		return progressJSON
	}
	switch os.Getenv("SOFTDFU_PROGRESS") {
	case "plain":
		return progressPlain
	case "none":
		return progressNone
	case "bars":
		return progressBars
	}
	if e.verbose || os.Getenv("TERM") == "dumb" || !isTerminal(e.stderr) {
		return progressPlain
	}
	return progressBars
}

// above writes line above the bars when bars are drawn and w is where
// they are drawn or another terminal (the same screen); it reports whether
// it did.
func (p *progress) above(w io.Writer, line string) bool {
	p.mu.Lock()
	bars, out := p.bars, p.barsOut
	p.mu.Unlock()
	if bars == nil || (w != out && !isTerminal(w)) {
		return false
	}
	if _, err := bars.Write([]byte(line)); err != nil {
		return false
	}
	return true
}

// trackBoards makes a tracker per board, in order, so that bars appear in
// the order of the boards.
func (e *env) trackBoards(bs []board.Board) {
	for _, b := range bs {
		e.tracker(b.Path, "")
	}
}

// tracker returns the tracker of a board, making it on first use.
func (e *env) tracker(path, prefix string) *tracker {
	p := &e.prog
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.chosen {
		p.mode, p.chosen = e.progressMode(), true
	}
	if t := p.trackers[path]; t != nil {
		if prefix != "" {
			t.prefix = prefix
		}
		return t
	}
	if p.trackers == nil {
		p.trackers = map[string]*tracker{}
	}
	t := &tracker{e: e, board: path, prefix: prefix, mode: p.mode}
	if p.mode == progressBars {
		if p.bars == nil {
			p.bars = mpb.New(mpb.WithOutput(e.stderr), mpb.WithWidth(100), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh())
			p.barsOut = e.stderr
		}
		t.bar = p.bars.AddBar(0,
			mpb.BarWidth(28),
			mpb.PrependDecorators(decor.Any(t.label, decor.WCSyncSpaceR)),
			mpb.AppendDecorators(decor.Any(t.figures)),
		)
	}
	p.trackers[path] = t
	p.order = append(p.order, t)
	return t
}

// stopProgress ends the bars (aborting those never finished) so that what
// follows prints normally.
func (e *env) stopProgress() {
	p := &e.prog
	p.mu.Lock()
	bars, order := p.bars, p.order
	p.mu.Unlock()
	if bars == nil {
		return
	}
	for _, t := range order {
		t.mu.Lock()
		if !t.finished {
			t.finished = true
			t.bar.Abort(false)
		}
		t.mu.Unlock()
	}
	bars.Wait()
	p.mu.Lock()
	p.bars = nil
	p.trackers, p.order = nil, nil
	p.mu.Unlock()
}

// tracker follows one board through the phases of a job.
type tracker struct {
	e             *env
	board, prefix string
	mode          int
	bar           *mpb.Bar
	// dryRun prints the whole plan when it is made (a dry run);
	// planShown says it was.
	dryRun, planShown bool

	mu          sync.Mutex
	phase       board.Phase
	done, total int
	start       time.Time
	step        int
	finished    bool
	failed      bool
}

// setPhase starts a phase.
func (t *tracker) setPhase(name board.Phase) {
	t.mu.Lock()
	t.phase, t.done, t.total, t.step, t.start = name, 0, 0, 0, time.Now()
	t.mu.Unlock()
	switch t.mode {
	case progressJSON:
		t.e.emit(event{Event: "phase", Board: t.board, Phase: string(name), Message: phaseMessage[name]})
	case progressBars:
		t.bar.SetTotal(0, false)
		t.bar.SetCurrent(0)
	case progressPlain:
		if s := phaseText[name] + phaseMessage[name]; s != "" {
			t.e.say("%s%s", t.prefix, s)
		}
	}
}

// planned shows the headline, estimate and notes of a plan (the sector
// map follows in the final report).
func (t *tracker) planned(p *flash.Plan) {
	if t.mode == progressJSON {
		t.e.emit(event{Event: "phase", Board: t.board, Phase: string(board.Planning)})
		return
	}
	t.mu.Lock()
	t.phase = board.Planning
	t.mu.Unlock()
	if t.mode == progressNone || t.e.manyBoards() {
		return
	}
	if t.dryRun {
		t.e.printPlan(t.prefix, p)
		t.planShown = true
		return
	}
	t.e.say("%s%s", t.prefix, p.Headline())
	if p.Estimate > 0 {
		t.e.say("%splan: estimated time %v", t.prefix, p.Estimate.Round(time.Millisecond))
	}
	for _, n := range p.Notes {
		t.e.say("%splan: %s", t.prefix, n)
	}
}

// update reports done of total in the current phase.
func (t *tracker) update(phase board.Phase, done, total int) {
	t.mu.Lock()
	started := phase != t.phase
	if started {
		t.phase, t.step, t.start = phase, 0, time.Now()
	}
	t.done, t.total = done, total
	unit := phase.Unit()
	// JSON: every 10 %; plain: every quarter.
	steps := 10
	if t.mode == progressPlain {
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
	case progressJSON:
		if started {
			// A phase the job reports only by its progress (erase,
			// write, verify inside the flash engine) starts here.
			t.e.emit(event{Event: "phase", Board: t.board, Phase: string(phase), Message: phaseMessage[phase]})
		}
		if show {
			t.e.emit(event{Event: "progress", Board: t.board, Phase: string(phase), Done: ptr(done), Total: ptr(total), Unit: unit})
		}
	case progressPlain:
		if show && total > 0 {
			t.e.say("%s  %-6s %3d%% (%d/%d %s)", t.prefix, phase, done*100/total, done, total, unit)
		}
	case progressBars:
		t.bar.SetTotal(int64(total), false)
		t.bar.SetCurrent(int64(done))
	}
}

// note passes on a remark for people.
func (t *tracker) note(phase board.Phase, msg string) {
	if t.mode == progressJSON {
		t.e.emit(event{Event: "note", Board: t.board, Phase: string(phase), Message: msg})
		return
	}
	if t.mode != progressNone {
		t.e.say("%s%s", t.prefix, msg)
	}
}

// finish ends the board's bar: complete, or aborted on error. Call it
// after the board's last line of output: once every bar is complete mpb
// renders no more, and a line written above the bars would be lost.
func (t *tracker) finish(err error) {
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

// event shows a board.Event.
func (t *tracker) event(ev board.Event) {
	switch ev := ev.(type) {
	case board.PhaseStarted:
		t.setPhase(ev.Phase)
	case board.Progress:
		t.update(ev.Phase, ev.Done, ev.Total)
	case board.Planned:
		t.planned(ev.Plan)
	default:
		if phase, text := noteText(ev); text != "" {
			t.note(phase, text)
		}
	}
}

// label is the bar's left side: board and phase.
func (t *tracker) label(decor.Statistics) string {
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
func (t *tracker) figures(decor.Statistics) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.finished || t.total == 0 {
		return ""
	}
	el := time.Since(t.start)
	if t.phase.Unit() == "sectors" {
		return fmt.Sprintf("%d/%d sectors", t.done, t.total)
	}
	s := fmt.Sprintf("%s/%s", humanBytes(t.done), humanBytes(t.total))
	if el > 200*time.Millisecond && t.done > 0 {
		rate := float64(t.done) / el.Seconds()
		left := time.Duration(float64(t.total-t.done) / rate * float64(time.Second))
		s += fmt.Sprintf("  %s/s  ETA %s", humanBytes(int(rate)), left.Round(time.Second))
	}
	return s
}

// humanBytes prints a byte count in B, KiB or MiB.
func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// manyBoards reports whether progress follows more than one board (then
// each board's report stays short).
func (e *env) manyBoards() bool {
	e.prog.mu.Lock()
	defer e.prog.mu.Unlock()
	return len(e.prog.trackers) > 1
}
