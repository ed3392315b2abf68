package cli

import (
	"github.com/spf13/cobra"
)

func (e *env) completionCommand() *cobra.Command {
	var noDesc bool
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script (commands, flags, files)",
		Long: `Print the completion script for a shell. Load it for this session, or install
it for good:

  bash:  source <(softdfu completion bash)
         softdfu completion bash > ~/.local/share/bash-completion/completions/softdfu
  zsh:   softdfu completion zsh > "${fpath[1]}/_softdfu"   (needs compinit)
  fish:  softdfu completion fish > ~/.config/fish/completions/softdfu.fish
  powershell:  softdfu completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      exactArgs(1, "one shell: bash, zsh, fish or powershell"),
		RunE: func(c *cobra.Command, args []string) error {
			root, out := c.Root(), e.stdout
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			case "powershell":
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usageError("completion: unknown shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
	c.Flags().BoolVar(&noDesc, "no-descriptions", false, "leave the descriptions out of the completions")
	return c
}
