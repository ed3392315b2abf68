package cli

import (
	"strings"

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
func (e *env) printPlan(prefix string, p *flash.Plan) { e.sayLines(prefix, p.Lines()) }

// flagWords adds the flags behind an update's or erase's outcome to its
// lines.
var flagWords = strings.NewReplacer(
	"not verified,", "not verified (--no-verify),",
	", not checked", ", not checked (--no-verify)",
	"the board stays in the ROM bootloader", "the board stays in the ROM bootloader (--no-leave)",
	"(expected for firmware without USB)", "(expected for firmware without USB; --expect-app makes this an error)")

// flashed prints the sector map and totals of a done update.
func (e *env) flashed(prefix string, b board.Board, rep *update.Report) {
	if rep.Plan != nil && !e.manyBoards() {
		e.say("%s", indent(prefix, rep.Plan.Map(rep.Result)))
	}
	for _, line := range rep.Done(b.Path) {
		e.say("%s%s", prefix, flagWords.Replace(line))
	}
}

// sayLines says lines at once, each after prefix.
func (e *env) sayLines(prefix string, lines []string) {
	e.say("%s", indent(prefix, strings.Join(lines, "\n")))
}

// indent puts prefix before every line of s.
func indent(prefix, s string) string {
	if prefix == "" {
		return s
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
