package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/bench"
)

// benchEntryCommand compares the seed's direct jump with the reliable
// entry on a simulated chip (bench.RunEntry, simulated time).
func (e *env) benchEntryCommand() *cobra.Command {
	o := bench.DefaultEntryOptions()
	c := &cobra.Command{
		Use:   "entry",
		Short: "Success rate of software bootloader entry: the direct jump against the reliable way",
		Long: `Run software entries into the ROM bootloader on a simulated chip and print
how many reached it, for the seed's direct jump from the running application
and for the reliable way (request word, system reset, entry from early
start-up, retry when the ROM misses the crystal). Everything runs in
simulated time. --miss overrides the board's crystal miss probability
(feather-f405: 7/12).`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			o.Seed = e.seed
			if o.Trials <= 0 {
				return usageError("--trials %d: give a positive number", o.Trials)
			}
			if o.MissProbability > 1 {
				return usageError("--miss %v: give a probability between 0 and 1", o.MissProbability)
			}
			res, err := bench.RunEntry(c.Context(), o)
			if err != nil {
				return usageError("%w", err)
			}
			if e.json {
				return e.document(res)
			}
			for _, r := range res {
				fmt.Fprintln(e.stdout, r.String())
			}
			return nil
		},
	}
	c.Flags().StringVar(&o.Board, "board", o.Board, "board, named as --sim names it: "+simBoards())
	c.Flags().IntVar(&o.Trials, "trials", o.Trials, "entries per method")
	c.Flags().Float64Var(&o.MissProbability, "miss", -1, "crystal miss probability per ROM start (default: the board's)")
	return c
}
