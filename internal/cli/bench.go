package cli

import "github.com/spf13/cobra"

// benchCommand groups the benchmarks; each lives in its own file.
func (e *env) benchCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure softdfu on simulated boards (flash time against the physical limit, software entry)",
	}
	c.AddCommand(e.benchFlashCommand(), e.benchEntryCommand())
	return c
}
