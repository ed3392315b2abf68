// Command bench compares softdfu with dfu-util 0.11 through the Linux
// kernel: a QEMU VM (test/interop) imports a simulated feather-f405 that
// this process serves over USB/IP in real time, and flashes each case with
// softdfu (over usbfs; defaults, and --no-verify) and with
// dfu-util -a 0 -s 0x08000000:leave -D, each from the same board state.
// It prints one row per case, the ratio of dfu-util's time over softdfu's
// first.
//
//	go run ./test/interop/bench                 # every case, a few minutes
//	go run ./test/interop/bench -case app-64K   # some cases
//	go run ./test/interop/bench -json           # JSON Lines, one result per case
//
// It needs a source tree, the Go toolchain, qemu-system-x86,
// busybox-static, dfu-util and usbip. It lives here, apart from the
// softdfu command, so that the shipped binary links no test harness.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/softdfu/softdfu/bench"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: exit 0 when every tool succeeded, 1 when one failed
// or the VM could not run, 2 for a bad flag.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cases := fs.String("case", "", "run only these cases: `NAME[,NAME...]`")
	quick := fs.Bool("quick", false, "skip the two 1 MB cases")
	verbose := fs.Bool("v", false, "print the VM's output")
	asJSON := fs.Bool("json", false, "print JSON Lines, one result per case, instead of the table")
	transcript := fs.String("transcript", "", "write the board's request transcript to `FILE`")
	timeout := fs.Duration("timeout", 10*time.Minute, "bound the VM run (a loaded host needs more)")
	also := fs.String("also-env", "", "also run softdfu with these `VAR=VALUE` settings, as tool softdfu-env (its time and ratio in the last columns)")
	env := fs.String("softdfu-env", "", "run softdfu in the guest with these `VAR=VALUE` settings (\"GOMAXPROCS=1\")")
	straceOpts := fs.String("strace", "", "run each single-board command under strace with these `OPTIONS` (\"-f -c\") and print its report (-v); times include strace")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: no arguments expected, got %q\n", fs.Args())
		return 2
	}
	list, err := pick(InteropCases(), *cases, *quick)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if err := CheckInterop(); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := InteropOptions{Cases: list, Log: io.Discard, Strace: *straceOpts, SoftdfuEnv: *env, AlsoEnv: *also, Timeout: *timeout}
	if *verbose {
		opts.Log = stderr
	}
	if *transcript != "" {
		f, err := os.Create(*transcript)
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		defer f.Close()
		opts.Transcript = f
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "dfu-util against softdfu: %d case(s) on a simulated %s at speed 1 over USB/IP, flashed inside a QEMU VM through Linux\n", len(list), InteropBoard)
	}
	res, err := RunInterop(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v (-v prints the VM's output)\n", err)
		return 1
	}
	failed := report(stdout, res, *asJSON)
	if len(failed) > 0 {
		fmt.Fprintln(stderr, "bench:", strings.Join(failed, "; "))
		return 1
	}
	return 0
}

// pick returns the cases named in the comma-separated list (all without
// one), in their order; quick drops the two 1 MB cases.
func pick(all []InteropCase, list string, quick bool) ([]InteropCase, error) {
	if list == "" {
		if quick {
			all = slices.DeleteFunc(all, func(k InteropCase) bool { return k.Name == "rebuild-all" || k.Name == "factory-full" })
		}
		return all, nil
	}
	picked, err := bench.Pick(all, func(k InteropCase) string { return k.Name }, list)
	var ue *bench.UnknownCaseError
	if errors.As(err, &ue) {
		return nil, fmt.Errorf("-case %q: the cases are %s", ue.Name, strings.Join(ue.Known, ", "))
	}
	return picked, err
}

// report prints the table (or JSON Lines) and returns what failed.
func report(w io.Writer, res []InteropResult, asJSON bool) []string {
	if !asJSON {
		fmt.Fprintf(w, "%-6s  %-12s  %9s  %9s  %9s  %6s  %17s  %13s  %13s  %13s  %14s\n", "RATIO", "CASE", "SOFTDFU", "DFU-UTIL", "NO-VERIFY", "RATIO", "TRANSFERS S/N/D", "MS/REQ S/D", "OVERHEAD S/D", "GUEST CPU S/D", "CPU MS/REQ S/D")
	}
	var failed []string
	enc := json.NewEncoder(w)
	for _, r := range res {
		s, d, nv := r.Run("softdfu"), r.Run("dfu-util"), r.Run("softdfu-no-verify")
		data := map[string]any{"case": r.Case, "board": InteropBoard, "ratio": bench.Round3(r.Ratio), "ratio_no_verify": bench.Round3(r.RatioNoVerify)}
		for _, run := range r.Runs {
			key := strings.ReplaceAll(run.Tool, "-", "_")
			data[key+"_s"] = run.Elapsed.Seconds()
			data[key+"_exit"] = run.ExitCode
			data[key+"_transfers"] = run.Transfers
			data[key+"_check"] = run.Check
			data[key+"_flash_work_s"] = run.FlashWork.Seconds()
			data[key+"_bus_s"] = run.BusTime.Seconds()
			data[key+"_per_request_ms"] = bench.Round3(float64(run.PerRequest) / float64(time.Millisecond))
			data[key+"_overhead_ms"] = bench.Round3(float64(run.Overhead) / float64(time.Millisecond))
			if run.Guest.Known {
				data[key+"_guest_user_s"] = bench.Round3(run.Guest.User.Seconds())
				data[key+"_guest_kernel_s"] = bench.Round3(run.Guest.Kernel.Seconds())
				data[key+"_guest_idle_s"] = bench.Round3(run.Guest.Idle.Seconds())
			}
			if !run.OK {
				failed = append(failed, fmt.Sprintf("%s with %s: exit %d, %s", r.Case, run.Tool, run.ExitCode, run.Check))
			}
		}
		if asJSON {
			enc.Encode(data)
			continue
		}
		extra := ""
		if e := r.Run("softdfu-env"); e != nil && e.Elapsed > 0 {
			extra = fmt.Sprintf("  env %s %.2fx %.2fms/req", bench.Duration(e.Elapsed), float64(d.Elapsed)/float64(e.Elapsed), float64(e.PerRequest)/float64(time.Millisecond))
		}
		fmt.Fprintf(w, "%-6s  %-12s  %9s  %9s  %9s  %6s  %17s  %13s  %13s  %13s  %14s%s\n", fmt.Sprintf("%.2fx", r.Ratio), r.Case, bench.Duration(s.Elapsed), bench.Duration(d.Elapsed), bench.Duration(nv.Elapsed),
			fmt.Sprintf("%.2fx", r.RatioNoVerify), fmt.Sprintf("%d/%d/%d", s.Transfers, nv.Transfers, d.Transfers), msPair(s.PerRequest, d.PerRequest), msPair(s.Overhead, d.Overhead), busyPair(s.Guest.Busy(), d.Guest.Busy()), msPair(s.Guest.PerRequest(s.Transfers), d.Guest.PerRequest(d.Transfers)), extra)
	}
	return failed
}

// msPair prints two per-request costs in milliseconds, softdfu's first, or
// "-" when either is unknown (several boards).
func msPair(s, d time.Duration) string {
	if s <= 0 || d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f/%.2f", float64(s)/float64(time.Millisecond), float64(d)/float64(time.Millisecond))
}

// busyPair prints two guest CPU shares in percent, softdfu's first, or "-"
// when either is unknown.
func busyPair(s, d float64) string {
	if s < 0 || d < 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%/%.0f%%", 100*s, 100*d)
}
