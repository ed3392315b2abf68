//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/update"
)

// jobOptions are the page's choices, as the CLI's flags set them.
type jobOptions struct {
	NoKeep   bool // erase what lies outside the image in its sectors
	NoVerify bool
	Rewrite  bool // erase and write every sector, changed or not
	NoLeave  bool
}

func optionsOf(v js.Value) jobOptions {
	b := func(k string) bool { return v.Type() == js.TypeObject && v.Get(k).Truthy() }
	return jobOptions{NoKeep: b("noKeep"), NoVerify: b("noVerify"), Rewrite: b("rewrite"), NoLeave: b("noLeave")}
}

func (o jobOptions) update() update.Options {
	return update.Options{
		Flash:    flash.Options{NoKeep: o.NoKeep, NoVerify: o.NoVerify, Rewrite: o.Rewrite},
		NoLeave:  o.NoLeave,
		Estimate: true,
		// The application's USB device is visible to the page only if the
		// user granted it: do not wait long for it.
		AppTimeout: 500 * time.Millisecond,
	}
}

type planSectorJSON struct {
	sectorJSON
	Action     string `json:"action"`
	ImageBytes int    `json:"imageBytes"`
	Kept       int    `json:"kept"`
	Lost       int    `json:"lost"`
}

type planJSON struct {
	Sectors    []planSectorJSON `json:"sectors"`
	Erase      int              `json:"erase"`
	WriteBytes int              `json:"writeBytes"`
	Runs       int              `json:"runs"`
	Verify     bool             `json:"verify"`
	Protected  bool             `json:"protected"`
	Notes      []string         `json:"notes"`
	ImageBytes int              `json:"imageBytes"`
	Text       string           `json:"text"`
	// EstimateMs is the expected duration from the chip's datasheet
	// timing (0 when unknown).
	EstimateMs int64 `json:"estimateMs"`
}

func describePlan(p *flash.Plan) planJSON {
	out := planJSON{Verify: p.Verify, Protected: p.Protected, Notes: append([]string{}, p.Notes...), ImageBytes: p.ImageBytes, Runs: len(p.Runs), Text: p.String(), EstimateMs: p.Estimate.Milliseconds()}
	for _, s := range p.Sectors {
		out.Sectors = append(out.Sectors, planSectorJSON{
			sectorJSON: sectorJSON{s.Index, hex(s.Address), s.Address, s.Size, s.Flags.String()},
			Action:     s.Action.String(), ImageBytes: s.ImageBytes, Kept: s.Kept, Lost: s.Lost,
		})
		if s.Action.Erases() {
			out.Erase++
		}
	}
	for _, r := range p.Runs {
		out.WriteBytes += len(r.Data)
	}
	return out
}

// plan(options) surveys the board read-only and plans: nothing is erased
// or written.
func (e *engine) plan(ctx context.Context, args []js.Value) (any, error) {
	rep, err := e.run(ctx, args, true)
	if err != nil {
		return nil, err
	}
	return describePlan(rep.Plan), nil
}

type resultJSON struct {
	Plan      planJSON `json:"plan"`
	Erased    int      `json:"erased"`
	Written   int      `json:"written"`
	Verified  int      `json:"verified"`
	Left      bool     `json:"left"`
	App       string   `json:"app,omitempty"`
	Transfers int      `json:"transfers"`
	Attempts  int      `json:"attempts"`
	Millis    int64    `json:"millis"`
	EraseMs   int64    `json:"eraseMs"`
	WriteMs   int64    `json:"writeMs"`
	VerifyMs  int64    `json:"verifyMs"`
}

// flash(options, onEvent) runs the whole job on the board as the CLI's
// flash does: survey, plan, erase and write what changes, verify, leave.
func (e *engine) flash(ctx context.Context, args []js.Value) (any, error) {
	start := time.Now()
	rep, err := e.run(ctx, args, false)
	if err != nil {
		return nil, err
	}
	out := resultJSON{Plan: describePlan(rep.Plan), Left: rep.Left, Transfers: rep.Transfers, Attempts: rep.Attempts, Millis: time.Since(start).Milliseconds()}
	if r := rep.Result; r != nil {
		out.Erased, out.Written, out.Verified = r.Erased, r.Written, r.Verified
		out.EraseMs, out.WriteMs, out.VerifyMs = r.EraseTime.Milliseconds(), r.WriteTime.Milliseconds(), r.VerifyTime.Milliseconds()
	}
	if rep.App != nil {
		out.App = rep.App.ID() + " " + rep.App.Descriptors.ProductName()
	}
	return out, nil
}

type eventJSON struct {
	Kind    string `json:"kind"`
	Phase   string `json:"phase"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Message string `json:"message,omitempty"`
}

// eventOf is the page's view of a board.Event.
func eventOf(ev board.Event) eventJSON {
	switch ev := ev.(type) {
	case board.PhaseStarted:
		return eventJSON{Kind: "phase", Phase: string(ev.Phase)}
	case board.Progress:
		return eventJSON{Kind: "progress", Phase: string(ev.Phase), Done: ev.Done, Total: ev.Total}
	case board.Planned:
		return eventJSON{Kind: "phase", Phase: string(board.Planning), Message: ev.Plan.String()}
	}
	return eventJSON{Kind: "note", Message: fmt.Sprint(ev)}
}

func (e *engine) run(ctx context.Context, args []js.Value, dry bool) (*update.Report, error) {
	if e.img == nil {
		return nil, errNoImage
	}
	info, err := e.current(ctx)
	if err != nil {
		return nil, err
	}
	opts := optionsOf(arg(args, 0)).update()
	opts.DryRun = dry
	if cb := arg(args, 1); cb.Type() == js.TypeFunction {
		opts.Events = func(ev board.Event) { cb.Invoke(toJS(eventOf(ev))) }
	}
	rep, err := update.Run(ctx, e.host, info, e.img, opts)
	if err != nil {
		return nil, &jobError{err: err, rep: rep}
	}
	return rep, nil
}

var errNoImage = errors.New("no firmware file: drop one on the page first")

// jobError keeps the report of a failed job for the page.
type jobError struct {
	err error
	rep *update.Report
}

func (e *jobError) Error() string { return e.err.Error() }
func (e *jobError) Unwrap() error { return e.err }
