package cli

import "github.com/spf13/cobra"

// benchSubcommands lists the bench cases; add one line per case file.
func (e *env) benchSubcommands() []*cobra.Command {
	return []*cobra.Command{
		e.benchFlashCommand(),
		e.benchEntryCommand(),
	}
}
