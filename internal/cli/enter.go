package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

func (e *env) enterCommand() *cobra.Command {
	var sel selection
	var method string
	var timeout time.Duration
	var direct bool
	c := &cobra.Command{
		Use:   "enter",
		Short: "Bring a board that runs its application into the ROM DFU bootloader, from software",
		Long: `Bring a board that runs its application into ST's ROM DFU bootloader
without touching it, and print the bootloader device it became.

The method is detected from the board's USB descriptors, or forced with
--method:
  detach    DFU run-time interface: DFU_DETACH (the device detaches itself)
  repl      CircuitPython: Ctrl-C, then microcontroller.on_next_reset(
            microcontroller.RunMode.BOOTLOADER) and microcontroller.reset()
  raw-repl  MicroPython: the raw REPL, machine.bootloader() (as mpremote does)
  1200bps   any CDC-ACM port (Arduino cores, CircuitPython): open it at
            1200 baud and drop DTR

softdfu then waits for the same board's bootloader: the ROM serial number
predicted from the UID in the application's serial number, or the same USB
port. Other boards' bootloaders are left alone.`,
		Args: exactArgs(0, "no arguments (choose boards with --serial, --path or --all)"),
		RunE: func(c *cobra.Command, args []string) error {
			m, err := enter.ParseMethod(method)
			if err != nil {
				return usageError("--method: %v", err)
			}
			opts := enter.Options{Method: m, Timeout: timeout, Direct: direct, Log: e.transcript("")}
			host, boards, err := e.pick(c.Context(), &sel, "board running an application", func(b board.Board) bool {
				return enter.Updatable(b, method != "")
			})
			if err != nil {
				return err
			}
			return enter.All(c.Context(), host, boards, opts, e.reportEntered)
		},
	}
	sel.flags(c.Flags())
	c.Flags().StringVar(&method, "method", "", "entry method: repl, raw-repl, detach or 1200bps (default: detected from the descriptors)")
	c.Flags().DurationVar(&timeout, "timeout", enter.DefaultTimeout, "how long to wait for the bootloader to appear")
	c.Flags().BoolVar(&direct, "direct-jump", false, "REPL methods: ask for the original direct jump from the running application (for comparison; unreliable)")
	_ = c.Flags().MarkHidden("direct-jump")
	return c
}

// reportEntered reports how entering the bootloader of one board went.
func (e *env) reportEntered(b board.Board, res *enter.Result, err error) {
	e.result(b.Path, err, res.Document(err))
	if err == nil && !e.json {
		e.say("%s", res)
	}
}
