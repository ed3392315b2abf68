package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/update"
)

// report prints the summary of one board's update.
func (e *env) report(prefix string, b board.Board, rep *update.Report, err error) {
	e.result(b.Path, err, rep.Summary(b.Serial, b.ID, err))
	if e.json || rep == nil {
		return
	}
	if err != nil {
		e.failure(prefix, rep, err)
		return
	}
	if rep.Result == nil {
		e.dryRun(prefix, b.Path, rep)
		return
	}
	e.flashed(prefix, b, rep)
}

// failure says what a failed update did and what the board holds.
func (e *env) failure(prefix string, rep *update.Report, err error) {
	for _, line := range rep.Failure(err) {
		e.say("%s%s", prefix, line)
	}
}

// dryRun prints the plan of a dry run.
func (e *env) dryRun(prefix, path string, rep *update.Report) {
	if _, shown := e.plansShown.Load(path); rep.Plan != nil && !shown {
		e.printPlan(prefix, rep.Plan)
	}
	e.say("%sdry run: nothing was erased or written", prefix)
}

// printPlan prints a whole plan: headline, sector map, totals and notes.
func (e *env) printPlan(prefix string, p *flash.Plan) {
	e.say("%s%s", prefix, p.Headline())
	e.say("%s", indent(prefix, p.Map(nil)))
	e.say("%splan: %s", prefix, p.Totals())
	for _, n := range p.Notes {
		e.say("%snote: %s", prefix, n)
	}
}

// flashed prints the sector map and totals of a done update.
func (e *env) flashed(prefix string, b board.Board, rep *update.Report) {
	r := rep.Result
	if rep.Plan != nil && !e.manyBoards() {
		e.say("%s", indent(prefix, rep.Plan.Map(r)))
	}
	e.say("%s%s", prefix, r.Times())
	verified := "not verified (--no-verify)"
	switch {
	case r.Verified > 0:
		verified = fmt.Sprintf("verified %d bytes", r.Verified)
	case rep.Plan != nil && rep.Plan.Verify:
		verified = "nothing written, nothing to verify"
	}
	attempts := ""
	if rep.Attempts > 1 {
		attempts = fmt.Sprintf(" in attempt %d of the job", rep.Attempts)
	}
	e.say("%sflashed %s%s: erased %d sector(s), wrote %d bytes, %s, %v board time, %d USB control transfers",
		prefix, b.Path, attempts, r.Erased, r.Written, verified, rep.Elapsed.Round(time.Millisecond), rep.Transfers)
	switch {
	case !rep.Left:
		e.say("%sthe board stays in the ROM bootloader (--no-leave)", prefix)
	case rep.App != nil:
		e.say("%sapplication started: %s %q serial %s on %s", prefix, rep.App.ID(), rep.App.Descriptors.ProductName(), rep.App.Descriptors.Serial(), rep.App.Path)
	default:
		e.say("%sthe board left the bootloader; no USB device appeared (expected for firmware without USB; --expect-app makes this an error)", prefix)
	}
}

// indent puts prefix before every line of s.
func indent(prefix, s string) string {
	if prefix == "" {
		return s
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
