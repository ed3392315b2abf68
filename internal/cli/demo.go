package cli

import (
	"github.com/spf13/cobra"
)

// demoBoard is the board the original CircuitPython feature was tested on,
// running its CircuitPython-like application: the demo enters the ROM
// bootloader from software first, as the feature does.
const demoBoard = "nucleo-f446re"

func (e *env) demoCommand() *cobra.Command {
	var f flashFlags
	c := &cobra.Command{
		Use:   "demo",
		Short: "Flash a bundled sample application to a built-in simulated board, verify it and start it",
		Long: `Run the whole job on an in-process simulated board (` + demoBoard + ` unless
--sim names others): survey the board, plan, erase and write a bundled
sample application (a valid Cortex-M vector table and a CircuitPython-like
application persona), verify it, leave the ROM bootloader, and report that
the application started. Nothing outside this process is touched.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if e.usbip != "" {
				return usageError("demo runs on built-in simulated boards; use flash for boards behind --usbip")
			}
			if e.sim == "" {
				e.sim = demoBoard
			}
			w, err := e.newWorld(e.sim)
			if err != nil {
				return err
			}
			e.hosts.Use(w)
			img, partName := demoImage(w)
			e.say("softdfu demo: %d simulated board(s) (%s), sample application of %d KiB for %s", len(w.Boards()), e.sim, img.Size()>>10, partName)
			if !f.sel.All && len(w.Boards()) > 1 {
				f.sel.All = true
			}
			if err := e.flashBoards(c.Context(), img, &f); err != nil {
				return err
			}
			e.say("demo complete")
			return nil
		},
	}
	f.register(c)
	return c
}
