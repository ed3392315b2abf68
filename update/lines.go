package update

import (
	"fmt"
	"time"
)

// Done says for people what a job that got through did (r.Result is not
// nil), one line each: the phase times; what was erased, written and
// verified on the board at path, in how much board time and how many
// control transfers; and what the board does now: stays in the
// bootloader, runs an application that appeared on USB, or shows
// nothing (firmware without USB). The plan's sector map with what was
// done (Plan.Map) is not among them.
func (r *Report) Done(path string) []string {
	res := r.Result
	verified := "not verified"
	switch {
	case res.Verified > 0:
		verified = fmt.Sprintf("verified %d bytes", res.Verified)
	case r.Plan != nil && r.Plan.Verify:
		verified = "nothing written, nothing to verify"
	}
	attempts := ""
	if r.Attempts > 1 {
		attempts = fmt.Sprintf(" in attempt %d of the job", r.Attempts)
	}
	lines := []string{res.Times(), fmt.Sprintf("flashed %s%s: erased %d sector(s), wrote %d bytes, %s, %v board time, %d USB control transfers",
		path, attempts, res.Erased, res.Written, verified, r.Elapsed.Round(time.Millisecond), r.Transfers)}
	switch {
	case !r.Left:
		return append(lines, "the board stays in the ROM bootloader")
	case r.App != nil:
		return append(lines, fmt.Sprintf("application started: %s %q serial %s on %s", r.App.ID(), r.App.Descriptors.ProductName(), r.App.Descriptors.Serial(), r.App.Path))
	}
	return append(lines, "the board left the bootloader; no USB device appeared (expected for firmware without USB)")
}
