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
	e.result(b.Path, err, flashData(b, rep, err))
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

// flashData is the data of a board's result event.
func flashData(b board.Board, rep *update.Report, err error) map[string]any {
	data := map[string]any{"serial": b.Serial, "id": b.ID}
	if rep != nil {
		data["board_time_ms"] = rep.Elapsed.Milliseconds()
		data["transfers"] = rep.Transfers
		if r := rep.Result; r != nil {
			data["erased_sectors"] = r.Erased
			data["written_bytes"] = r.Written
			data["verified_bytes"] = r.Verified
		}
		if p := rep.Plan; p != nil {
			unchanged := 0
			for _, s := range p.Sectors {
				if s.Action == flash.Unchanged {
					unchanged++
				}
			}
			data["unchanged_sectors"] = unchanged
			data["dry_run"] = rep.Result == nil && err == nil
			data["sectors"] = sectorData(p, rep.Result)
			data["estimate_ms"] = p.Estimate.Milliseconds()
			if r := rep.Result; r != nil {
				data["erase_ms"], data["write_ms"], data["verify_ms"] = r.EraseTime.Milliseconds(), r.WriteTime.Milliseconds(), r.VerifyTime.Milliseconds()
			}
		}
		data["left"] = rep.Left
		data["attempts"] = rep.Attempts
		if rep.State != nil {
			data["state"] = rep.State
		}
		if rep.App != nil {
			data["app"] = map[string]any{"id": rep.App.ID(), "serial": rep.App.Descriptors.Serial(), "product": rep.App.Descriptors.ProductName(), "path": rep.App.Path}
		}
	}
	return data
}

// failure says what a failed update did and what the board holds.
func (e *env) failure(prefix string, rep *update.Report, err error) {
	if k := board.KindOf(err); (k == board.Device || k == board.Interrupted) && rep.Result != nil {
		e.say("%sstopped after erasing %d sector(s) and writing %d bytes", prefix, rep.Result.Erased, rep.Result.Written)
	}
	if rep.State != nil {
		for _, line := range strings.Split(rep.State.String(), "\n") {
			e.say("%s%s", prefix, line)
		}
	}
	if board.KindOf(err) == board.Interrupted && rep.State != nil && rep.State.Read {
		e.say("%s%s", prefix, rep.Interrupted())
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
	e.say("%s%s", prefix, resultTotals(r))
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
