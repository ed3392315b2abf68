package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/softdfu/softdfu/sim/mcu/entrybench"
)

// Header is the head of the table of in-process cases, one Row per case.
var Header = fmt.Sprintf("%-6s  %-13s  %-16s  %9s  %9s  %6s  %9s  %9s  %8s  %5s  %7s", "RATIO", "CASE", "BOARD", "WALL", "LIMIT", "CLOCK", "TRANSFERS", "MINIMUM", "CPU", "HOST", "PEAK")

// BoardLabel names the case's board, with the count when there are
// several: "8x feather-f405".
func (r *Result) BoardLabel() string {
	if r.Boards > 1 {
		return fmt.Sprintf("%dx %s", r.Boards, r.Board)
	}
	return r.Board
}

// Row is the case's line of the table under Header.
func (r *Result) Row() string {
	return fmt.Sprintf("%-6s  %-13s  %-16s  %9s  %9s  %6s  %9d  %9d  %8s  %4.1f%%  %5.1fMB", fmt.Sprintf("%.2fx", r.Ratio), r.Case, r.BoardLabel(),
		Duration(r.Wall), Duration(r.Limit), fmt.Sprintf("%.2fx", r.ClockRatio), r.Transfers, r.MinTransfers, Duration(r.CPU), 100*r.CPUShare, float64(r.PeakHeap)/(1<<20))
}

// Data is the case's figures for a machine-readable record: seconds,
// bytes, counts and ratios rounded to three decimals.
func (r *Result) Data() map[string]any {
	return map[string]any{
		"case": r.Case, "ratio": Round3(r.Ratio), "clock_ratio": Round3(r.ClockRatio), "wall_s": r.Wall.Seconds(), "limit_s": r.Limit.Seconds(),
		"board_time_s": r.BoardTime.Seconds(), "transfers": r.Transfers, "min_transfers": r.MinTransfers,
		"cpu_s": r.CPU.Seconds(), "host_share": Round3(r.CPUShare), "peak_heap_bytes": r.PeakHeap,
		"limit_flash_s": r.Minimum.Flash.Seconds(), "limit_usb_s": r.Minimum.USB.Seconds(), "erased_sectors": r.Erased, "written_bytes": r.Written, "read_bytes": r.Read, "boards": r.Boards,
	}
}

// Round3 rounds f to three decimals.
func Round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// Duration prints a duration with three decimals of seconds, or in ms
// with one.
func Duration(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// UnknownCaseError is a case name Pick does not know.
type UnknownCaseError struct {
	Name  string
	Known []string
}

func (e *UnknownCaseError) Error() string {
	return fmt.Sprintf("no case %q: the cases are %s", e.Name, strings.Join(e.Known, ", "))
}

// Pick returns the cases of all named in the comma-separated list, in
// the order of all; an unknown name is an *UnknownCaseError.
func Pick[T any](all []T, name func(T) string, list string) ([]T, error) {
	want := strings.Split(list, ",")
	var names []string
	for _, k := range all {
		names = append(names, name(k))
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			return nil, &UnknownCaseError{Name: w, Known: names}
		}
	}
	return slices.DeleteFunc(all, func(k T) bool { return !slices.Contains(want, name(k)) }), nil
}

// PickCases returns the cases of Cases named in the comma-separated
// list; an unknown name is an *UnknownCaseError.
func PickCases(list string) ([]Case, error) {
	return Pick(Cases(), func(k Case) string { return k.Name }, list)
}

// QuickSpeed is the simulator's speed factor of a quick run.
const QuickSpeed = 10

// Select returns the cases to run: those of Cases named in the
// comma-separated names (an *UnknownCaseError for a name it does not
// know), else all of them, less the case Quick drops when quick is set.
func Select(names string, quick bool) ([]Case, error) {
	if names != "" {
		return PickCases(names)
	}
	if quick {
		return Quick(Cases()), nil
	}
	return Cases(), nil
}

// CaseTable lists the cases of Cases, one line each: its name and its
// Summary, indented by two spaces.
func CaseTable() string {
	var b strings.Builder
	for _, k := range Cases() {
		fmt.Fprintf(&b, "  %-13s %s\n", k.Name, k.Summary)
	}
	return b.String()
}

// Quick drops from list the case a quick run skips: full-2MB, the
// largest image (its peak memory is what it measures).
func Quick(list []Case) []Case {
	return slices.DeleteFunc(list, func(k Case) bool { return k.Name == "full-2MB" })
}

// Mode says how opts run the cases: "speed 10", or instantly.
func (o Options) Mode() string {
	if o.Instant {
		return "instant (RATIO is board time over the limit)"
	}
	return fmt.Sprintf("speed %g", o.Speed)
}

// RunAll runs the cases of list one after the other and hands each
// result to done; it stops at the first case that fails.
func RunAll(ctx context.Context, list []Case, opts Options, done func(*Result)) error {
	for _, k := range list {
		r, err := Run(ctx, k, opts)
		if err != nil {
			return err
		}
		done(r)
	}
	return nil
}

// EntryOptions are the options of the software-entry benchmark
// (sim/mcu/entrybench): board, trials, crystal miss probability, seed.
type EntryOptions = entrybench.Options

// EntryResult is what the software-entry benchmark measured for one
// method.
type EntryResult = entrybench.Result

// DefaultEntryOptions are the software-entry benchmark's defaults.
func DefaultEntryOptions() EntryOptions { return entrybench.DefaultOptions() }

// RunEntry runs software entries into the ROM bootloader on a simulated
// chip in simulated time, for the direct jump and the reliable way.
func RunEntry(ctx context.Context, o EntryOptions) ([]EntryResult, error) {
	return entrybench.Run(ctx, o)
}
