// Package progress shows how a long job goes on each board of a run: a
// bar per board on a terminal, plain lines at each quarter of a phase, a
// record at every tenth for a machine-readable stream, or nothing. It owns
// the choice of that mode, the rate limit and the bars, and says what each
// phase does in board.Phase's words (Doing, Message); a front end says
// where lines and records go, and prints its own lines above the bars
// with Set.Above.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/softdfu/softdfu/board"
)

// Mode is how progress is shown.
type Mode int

// The modes: plain lines at each quarter of a phase, bars, a record at
// every tenth of a phase (for a machine-readable stream), or nothing.
const (
	Plain Mode = iota
	Bars
	Records
	None
)

// ModeFor picks the mode of a run: Records when the front end writes a
// machine-readable stream; then the environment variable SOFTDFU_PROGRESS
// (plain, none or bars); then plain lines when verbose output is asked
// for, TERM is dumb or w (where the bars would go) is not a terminal;
// bars otherwise.
func ModeFor(records, verbose bool, w io.Writer) Mode {
	if records {
		return Records
	}
	switch os.Getenv("SOFTDFU_PROGRESS") {
	case "plain":
		return Plain
	case "none":
		return None
	case "bars":
		return Bars
	}
	if verbose || os.Getenv("TERM") == "dumb" || !IsTerminal(w) {
		return Plain
	}
	return Bars
}

// IsTerminal reports whether w is a terminal (a *os.File on a tty).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Record is what a tracker reports in Records mode: a phase starts
// (Message: the phase's Message), done of total units of it are through
// (Progress), or a note for people (Note, in Message).
type Record struct {
	Board    string
	Phase    board.Phase
	Message  string
	Progress bool
	Note     bool
	Done     int
	Total    int
	Unit     string
}

// Set is the trackers of one run, one per board. Fill in its fields
// before the first Track; the first Track chooses the mode.
type Set struct {
	// Mode chooses the mode, once.
	Mode func() Mode
	// Out is where bars are drawn.
	Out io.Writer
	// Say prints a line for people (plain mode, and notes).
	Say func(line string)
	// Emit writes a record (Records mode).
	Emit func(Record)

	mu       sync.Mutex
	mode     Mode
	chosen   bool
	bars     *mpb.Progress
	barsOut  io.Writer
	trackers map[string]*Tracker
	order    []*Tracker
}

// Above writes line above the bars when bars are drawn and w is where
// they are drawn or another terminal (the same screen); it reports whether
// it did.
func (p *Set) Above(w io.Writer, line string) bool {
	p.mu.Lock()
	bars, out := p.bars, p.barsOut
	p.mu.Unlock()
	if bars == nil || (w != out && !IsTerminal(w)) {
		return false
	}
	if _, err := bars.Write([]byte(line)); err != nil {
		return false
	}
	return true
}

// TrackAll makes a tracker per board, in order, so that bars appear in
// the order of the boards.
func (p *Set) TrackAll(paths []string) {
	for _, path := range paths {
		p.Track(path, "")
	}
}

// Track returns the tracker of the board on path, making it on first
// use; a non-empty prefix goes before each of its lines.
func (p *Set) Track(path, prefix string) *Tracker {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.chosen {
		p.mode, p.chosen = p.Mode(), true
	}
	if t := p.trackers[path]; t != nil {
		if prefix != "" {
			t.prefix = prefix
		}
		return t
	}
	if p.trackers == nil {
		p.trackers = map[string]*Tracker{}
	}
	t := &Tracker{set: p, board: path, prefix: prefix, mode: p.mode}
	if p.mode == Bars {
		if p.bars == nil {
			p.bars = mpb.New(mpb.WithOutput(p.Out), mpb.WithWidth(100), mpb.WithRefreshRate(120*time.Millisecond), mpb.WithAutoRefresh())
			p.barsOut = p.Out
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

// Stop ends the bars (aborting those never finished) so that what follows
// prints normally.
func (p *Set) Stop() {
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

// Many reports whether the set follows more than one board (then a front
// end keeps each board's report short).
func (p *Set) Many() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.trackers) > 1
}

// HumanBytes prints a byte count in B, KiB or MiB.
func HumanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
