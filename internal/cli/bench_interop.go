package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/softdfu/softdfu/bench"
)

// benchInterop is `softdfu bench flash --interop`: the dfu-util comparison
// in the test/interop VM. Without the VM's prerequisites it says what is
// missing and skips.
func (e *env) benchInterop(ctx context.Context, cases string, quick bool) error {
	list := bench.InteropCases()
	if quick {
		list = slices.DeleteFunc(list, func(k bench.InteropCase) bool { return k.Name == "full-1MB" })
	}
	if cases != "" {
		var err error
		if list, err = pickCases(bench.InteropCases(), func(k bench.InteropCase) string { return k.Name }, cases, "the --interop cases"); err != nil {
			return err
		}
	}
	if err := bench.CheckInterop(); err != nil {
		e.warn("softdfu bench flash --interop skipped: %v", err)
		e.emit(event{Event: "note", Message: "skipped: " + err.Error()})
		return nil
	}
	e.say("softdfu bench flash --interop: %d case(s) on a simulated %s at speed 1 over USB/IP, flashed inside a QEMU VM through Linux", len(list), bench.InteropBoard)
	var log io.Writer = io.Discard
	if e.verbose {
		log = e.stderr
	}
	res, err := bench.RunInterop(ctx, bench.InteropOptions{Cases: list, Log: log})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("bench flash --interop: %w (-v prints the VM's output)", err)
	}
	if !e.json {
		e.say("%-6s  %-10s  %9s  %9s  %9s  %6s  %17s", "RATIO", "CASE", "SOFTDFU", "DFU-UTIL", "NO-VERIFY", "RATIO", "TRANSFERS S/N/D")
	}
	var failed []string
	for _, r := range res {
		s, d, nv := r.Run("softdfu"), r.Run("dfu-util"), r.Run("softdfu-no-verify")
		data := map[string]any{"case": r.Case, "board": bench.InteropBoard, "ratio": round3(r.Ratio), "ratio_no_verify": round3(r.RatioNoVerify)}
		ok := true
		for _, run := range r.Runs {
			key := strings.ReplaceAll(run.Tool, "-", "_")
			data[key+"_s"] = run.Elapsed.Seconds()
			data[key+"_exit"] = run.ExitCode
			data[key+"_transfers"] = run.Transfers
			data[key+"_check"] = run.Check
			if !run.OK {
				ok = false
				failed = append(failed, fmt.Sprintf("%s with %s: exit %d, %s", r.Case, run.Tool, run.ExitCode, run.Check))
			}
		}
		e.emit(event{Event: "result", Board: bench.InteropBoard, OK: ptr(ok), Data: data})
		if !e.json {
			e.say("%-6s  %-10s  %9s  %9s  %9s  %6s  %17s", fmt.Sprintf("%.2fx", r.Ratio), r.Case, dur(s.Elapsed), dur(d.Elapsed), dur(nv.Elapsed),
				fmt.Sprintf("%.2fx", r.RatioNoVerify), fmt.Sprintf("%d/%d/%d", s.Transfers, nv.Transfers, d.Transfers))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench flash --interop: %s", strings.Join(failed, "; "))
	}
	return nil
}
