// Package cli is the softdfu command line: one file per command, the flags
// every command shares, text and JSON output, and the mapping of errors to
// exit codes and remedies. cmd/softdfu only calls Main.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/internal/progress"
	"github.com/softdfu/softdfu/usb/hosts"
)

// env is what every command shares: the streams, the global flags and the
// USB host they select.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	sim      string  // --sim BOARD[,BOARD...]
	usbip    string  // --usbip HOST:PORT
	backend  string  // --backend (backend.go)
	json     bool    // --json
	verbose  bool    // -v
	noQueue  bool    // --no-queue
	simSpeed float64 // --sim-speed
	seed     uint64  // --seed
	simFault string  // --sim-fault (and sim --fault)

	capture hosts.Capture // --sim-pcap

	hosts    hosts.Cache
	prog     progress.Set
	progOnce sync.Once
	// plansShown holds the paths of the boards whose whole plan was shown
	// when it was made (a dry run).
	plansShown sync.Map
}

// Main runs softdfu with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		err = usageError("%s (see softdfu --help)", strings.TrimSpace(err.Error()))
	}
	defer e.capture.Close()
	if err == nil {
		return 0
	}
	code, name := classify(err)
	if e.json {
		e.emit(event{Event: "error", Error: &eventError{Code: name, Message: err.Error()}})
	}
	fmt.Fprintf(stderr, "softdfu: %s\n", message(err))
	return code
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "softdfu",
		Short: "Update STM32F4 firmware over USB, entering the ROM DFU bootloader from software",
		Long: `softdfu updates STM32F4 firmware over USB with ST's ROM DfuSe bootloader.

It finds boards, brings a running board into the bootloader from software,
follows it across re-enumeration, flashes bin/hex/srec/elf/dfu/uf2 files
(skipping unchanged sectors), verifies, leaves, and checks that the
application came back.

Boards come from the native USB backend (Linux), from a USB/IP server
(--usbip HOST:PORT), or from built-in simulated boards (--sim BOARD).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVar(&e.sim, "sim", "", "use in-process simulated boards: `BOARD[:MODE][,...]` (softdfu sim --list-boards)")
	pf.StringVar(&e.usbip, "usbip", os.Getenv("SOFTDFU_USBIP"), "use boards exported by a USB/IP server at `HOST:PORT` (env SOFTDFU_USBIP)")
	e.backendFlag(pf)
	pf.BoolVar(&e.json, "json", false, "machine-readable output: one JSON document, or JSON Lines events for long commands")
	pf.BoolVarP(&e.verbose, "verbose", "v", false, "print a transcript of every DFU request on stderr")
	pf.BoolVar(&e.noQueue, "no-queue", os.Getenv("SOFTDFU_NO_QUEUE") == "1", "wait for each UPLOAD's answer before asking for the next block, for a host controller or hub that mishandles queued control transfers (env SOFTDFU_NO_QUEUE=1)")
	pf.Float64Var(&e.simSpeed, "sim-speed", 0, "speed of simulated time for --sim: 0 = instant, 1 = real time")
	pf.Uint64Var(&e.seed, "seed", 1, "seed for the simulator's random choices, so runs repeat")
	pf.StringVar(&e.simFault, "sim-fault", "", "inject faults into the simulated boards: `FAULT[,...]` such as disconnect@write:3 (see docs/RELIABILITY.md)")
	pf.StringVar(&e.capture.Path, "sim-pcap", "", "write every USB control transfer of --sim boards to `FILE` as a pcap capture (Linux usbmon format, for Wireshark)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see %s --help)", err, c.CommandPath())
	})
	root.PersistentPreRunE = func(c *cobra.Command, args []string) error { return checkSim(c) }
	root.AddCommand(
		e.listCommand(),
		e.flashCommand(),
		e.enterCommand(),
		e.demoCommand(),
		e.simCommand(),
		e.infoCommand(),
		e.convertCommand(),
		e.benchCommand(),
		e.versionCommand(),
		e.readCommand(),
		e.eraseCommand(),
		e.verifyCommand(),
		e.leaveCommand(),
		e.unprotectCommand(),
		e.optionBytesCommand(),
		e.udevRulesCommand(),
		e.completionCommand(),
		e.webCommand(),
		exitCodesTopic(),
	)
	return root
}

// exactArgs is cobra.ExactArgs with a board.Usage error. A
// --sim that names no board (empty, or a file given where the board name
// goes: --sim app.bin) is reported as that, not as a missing argument.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if err := checkSim(c); err != nil {
			return err
		}
		if len(args) != n {
			return usageError("%s takes %s (see %s --help)", c.Name(), what, c.CommandPath())
		}
		return nil
	}
}

// checkSim refuses a --sim flag given without a valid board list, before
// anything else is checked: --sim= would otherwise mean "no simulation"
// and fall back to real USB.
func checkSim(c *cobra.Command) error {
	f := c.Flags().Lookup("sim")
	if f == nil || !f.Changed {
		return nil
	}
	if strings.TrimSpace(f.Value.String()) == "" {
		return usageError("--sim needs a board name: one of %s (BOARD:dfu holds it in the ROM bootloader; see softdfu sim --list-boards)", simBoards())
	}
	if err := checkSimSpecs(f.Value.String()); err != nil {
		if v := f.Value.String(); strings.ContainsAny(v, "./\\") {
			return usageError("--sim %q: --sim wants board names, not files: %w", v, err)
		}
		return usageError("--sim: %w", err)
	}
	return nil
}

func exitCodesTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "The exit codes of softdfu and the JSON error codes",
		Long:  exitCodeHelp,
	}
}
