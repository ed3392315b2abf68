package cli

import (
	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/internal/progress"
)

// How progress is shown (package progress): JSON Lines events with --json;
// bars when stderr is a terminal (and neither -v nor SOFTDFU_PROGRESS=plain
// asks otherwise); plain lines at each quarter of a phase otherwise.

// progress returns the run's trackers, wired to this command line's
// output and wording.
func (e *env) progress() *progress.Set {
	e.progOnce.Do(func() {
		p := &e.prog
		p.Out = e.stderr
		p.Mode = func() progress.Mode { return progress.ModeFor(e.json, e.verbose, e.stderr) }
		p.Say = func(line string) { e.say("%s", line) }
		p.Emit = e.progressEvent
	})
	return &e.prog
}

// progressEvent writes a tracker's record as a JSON Lines event.
func (e *env) progressEvent(r progress.Record) {
	ev := event{Event: "phase", Board: r.Board, Phase: string(r.Phase), Message: r.Message}
	switch {
	case r.Progress:
		ev = event{Event: "progress", Board: r.Board, Phase: string(r.Phase), Done: ptr(r.Done), Total: ptr(r.Total), Unit: r.Unit}
	case r.Note:
		ev.Event = "note"
	}
	e.emit(ev)
}

// trackBoards makes a tracker per board, in order, so that bars appear in
// the order of the boards.
func (e *env) trackBoards(bs []board.Board) {
	e.progress().TrackAll(board.Paths(bs))
}

// tracker returns the tracker of a board, making it on first use.
func (e *env) tracker(path, prefix string) *progress.Tracker {
	return e.progress().Track(path, prefix)
}

// finish ends a one-board command on t: the board's result event (err,
// data) and, when it succeeded, lines for people, said before the bar
// completes (nothing may print once every bar is complete).
func (e *env) finish(t *progress.Tracker, err error, data any, lines ...string) error {
	e.result(t.Board(), err, data)
	if err == nil {
		for _, line := range lines {
			e.say("%s", line)
		}
	}
	t.Finish(err)
	return err
}

// stopProgress ends the bars so that what follows prints normally.
func (e *env) stopProgress() { e.progress().Stop() }

// manyBoards reports whether progress follows more than one board (then
// each board's report stays short).
func (e *env) manyBoards() bool { return e.progress().Many() }

// events shows a job's board.Events on t: phases and progress, the plan
// (whole with dryRun), and notes in the command line's terms.
func (e *env) events(t *progress.Tracker, dryRun bool) func(board.Event) {
	return func(ev board.Event) {
		if t.Event(ev) {
			return
		}
		if p, ok := ev.(board.Planned); ok {
			e.planned(t, p.Plan, dryRun)
			return
		}
		if phase, text := noteText(ev); text != "" {
			t.Note(phase, text)
		}
	}
}

// planned shows the headline, estimate and notes of a plan (the sector
// map follows in the final report); a dry run shows the whole plan.
func (e *env) planned(t *progress.Tracker, p *flash.Plan, dryRun bool) {
	t.Reached(board.Planning)
	if m := t.Mode(); m == progress.Records || m == progress.None || e.manyBoards() {
		return
	}
	prefix := t.Prefix()
	if dryRun {
		e.printPlan(prefix, p)
		e.plansShown.Store(t.Board(), true)
		return
	}
	e.sayLines(prefix, p.Brief())
}
