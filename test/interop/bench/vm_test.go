package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/test/interop"
)

// TestBenchFlash is `go run ./test/interop/bench`: the same images
// flashed through the guest's Linux kernel (vhci-hcd importing a simulated
// Feather F405 in real time) by softdfu over usbfs and by dfu-util 0.11,
// each from the same board state. It logs the table and asserts only that
// every tool succeeded, the board ended with the image and its application
// running, and the guest reported its CPU time; the times are measured,
// never asserted.
//
// SOFTDFU_BENCH_CASES=app-64K,one-sector runs only those cases;
// SOFTDFU_BENCH_TRANSCRIPT=FILE writes the board's request transcript.
func TestBenchFlash(t *testing.T) {
	if !interop.Enabled() {
		t.Skipf("boots a QEMU VM for a few minutes; set %s=1 to run", interop.EnvEnable)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if err := interop.Prepare(ctx, interop.Options{}); err != nil {
		t.Fatal(err)
	}
	cases := InteropCases()
	if want := os.Getenv("SOFTDFU_BENCH_CASES"); want != "" {
		var picked []InteropCase
		for _, c := range cases {
			if strings.Contains(","+want+",", ","+c.Name+",") {
				picked = append(picked, c)
			}
		}
		cases = picked
	}
	var log strings.Builder
	opts := InteropOptions{Cases: cases, Log: &log, Timeout: 12 * time.Minute}
	if name := os.Getenv("SOFTDFU_BENCH_TRANSCRIPT"); name != "" {
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		opts.Transcript = f
	}
	res, err := RunInterop(ctx, opts)
	t.Log(log.String())
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-6s  %-10s  %9s  %9s  %9s  %6s\n", "RATIO", "CASE", "SOFTDFU", "DFU-UTIL", "NO-VERIFY", "RATIO")
	for _, r := range res {
		fmt.Fprintf(&table, "%-6s  %-10s  %8.3fs  %8.3fs  %8.3fs  %5.2fx\n", fmt.Sprintf("%.2fx", r.Ratio), r.Case,
			r.Run("softdfu").Elapsed.Seconds(), r.Run("dfu-util").Elapsed.Seconds(), r.Run("softdfu-no-verify").Elapsed.Seconds(), r.RatioNoVerify)
		for _, run := range r.Runs {
			if !run.OK {
				t.Errorf("%s with %s (%s): exit %d, host check: %s", r.Case, run.Tool, run.Command, run.ExitCode, run.Check)
			}
			if !run.Guest.Known {
				t.Errorf("%s with %s: the guest did not report its CPU time (the script's cpu function)", r.Case, run.Tool)
			}
		}
	}
	t.Logf("dfu-util time over softdfu time (guest wall time of the flash command):\n%s", table.String())
}
