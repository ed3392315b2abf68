package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/bench"
)

// benchFlashCommand is `softdfu bench flash`: whole updates on in-process
// simulated boards against the protocol limit (docs/PERFORMANCE.md).
func (e *env) benchFlashCommand() *cobra.Command {
	var (
		quick bool
		cases string
		opts  bench.Options // the flags that set an option directly
	)
	c := &cobra.Command{
		Use:   "flash",
		Short: "Time whole updates on simulated boards against the protocol limit",
		Long: `Flash images to in-process simulated boards running in real time (datasheet
flash timing, the simulator's full-speed USB model, no jitter) and compare the
wall time with the protocol limit of each plan: the datasheet erase and
programming time of what it changes plus the USB time of the fewest DfuSe
requests that carry its reads and writes. One row per case:

` + bench.CaseTable() + `
The first five are also the cases of the comparison with dfu-util in a VM
(go run ./test/interop/bench), with the same names and starting states.

RATIO is wall time over the limit, CLOCK the board's simulated time over the
limit (the simulator keeps its own timer delays out of it; host computing
counts), HOST the CPU time of this process (host
and simulator) over wall time, PEAK the largest Go heap seen. The full run
takes about 85 s; --quick runs at ten times real time without full-2MB.

The comparison with dfu-util through the Linux kernel in a QEMU VM is not
part of softdfu: from a source tree, run go run ./test/interop/bench.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			opts := opts // --quick changes this run's speed only
			if quick && !c.Flags().Changed("speed") {
				opts.Speed = bench.QuickSpeed
			}
			list, err := bench.Select(cases, quick)
			if err != nil {
				return caseError(err)
			}
			if opts.Speed < 0 {
				return usageError("--speed %v: give a positive speed factor (1 = real time)", opts.Speed)
			}
			return e.benchFlash(c.Context(), list, opts)
		},
	}
	f := c.Flags()
	f.BoolVar(&quick, "quick", false, "run at ten times real time and skip full-2MB (about 10 s)")
	f.BoolVar(&opts.Instant, "instant", false, "run simulated time instantly: compare board time, not wall time, with the limit")
	f.Float64Var(&opts.Speed, "speed", 1, "simulator speed factor (1 = real time); the limit is divided by it")
	f.StringVar(&cases, "case", "", "run only these cases: `NAME[,NAME...]`")
	f.BoolVar(&opts.InterruptMayBootOld, "interrupt-may-boot-old", false, "plan as flash --interrupt-may-boot-old: an unchanged sector 0 is not erased and rewritten (measures what the safe default costs)")
	return c
}

// benchFlash runs the in-process cases and prints a row per case.
func (e *env) benchFlash(ctx context.Context, list []bench.Case, opts bench.Options) error {
	e.say("softdfu bench flash: %d case(s), %s, USB full speed model, datasheet timing, no jitter", len(list), opts.Mode())
	if !e.json {
		e.say("%s", bench.Header)
	}
	return bench.RunAll(ctx, list, opts, func(r *bench.Result) {
		e.emit(event{Event: "result", Board: r.BoardLabel(), OK: ptr(true), Data: r.Data()})
		if !e.json {
			e.say("%s", r.Row())
		}
	})
}

// caseError names --case in an unknown case's error.
func caseError(err error) error {
	var ue *bench.UnknownCaseError
	if !errors.As(err, &ue) {
		return err
	}
	return usageError("--case %q: known cases are %s", ue.Name, strings.Join(ue.Known, ", "))
}
