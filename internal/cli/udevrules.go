package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/udev"
)

func (e *env) udevRulesCommand() *cobra.Command {
	var install, noReload bool
	var file string
	c := &cobra.Command{
		Use:   "udev-rules",
		Short: "Print the udev rule that lets a normal user open the boards, or --install it",
		Long: `Print the udev rule file softdfu needs on Linux so that a normal user may open
STM32 ROM bootloaders (0483:df11) and the application boards softdfu knows.
Without it, opening a board fails with "permission denied" (exit code 7).

--install writes it to ` + udev.DefaultPath + ` (or --file) atomically and
reloads udev (udevadm control --reload-rules; udevadm trigger). Installing
needs root: sudo softdfu udev-rules --install. Unplug and replug the board
afterwards if it was already connected.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			rules := udev.Rules("sudo softdfu udev-rules --install")
			if !install {
				if file != "" || noReload {
					return usageError("--file and --no-reload go with --install")
				}
				if e.json {
					return e.document(map[string]string{"path": udev.DefaultPath, "rules": rules})
				}
				_, err := fmt.Fprint(e.stdout, rules)
				return err
			}
			path := udev.Path(file)
			var run udev.Runner
			if noReload {
				run = udev.NoReload
			}
			if err := udev.Install(c.Context(), path, rules, run); err != nil {
				if errors.Is(err, fs.ErrPermission) {
					return fmt.Errorf("installing the udev rule: %w (writing %s needs root: sudo softdfu udev-rules --install)", err, path)
				}
				return fmt.Errorf("installing the udev rule: %w", err)
			}
			reload := "and reloaded udev"
			if noReload {
				reload = "without reloading udev (--no-reload)"
			}
			if e.json {
				return e.document(map[string]any{"installed": path, "reloaded": !noReload})
			}
			e.say("installed %s %s; replug boards that are already connected", path, reload)
			return nil
		},
	}
	c.Flags().BoolVar(&install, "install", false, "write the rule file and reload udev (needs root)")
	c.Flags().StringVar(&file, "file", "", "with --install: where to write the rules (default "+udev.DefaultPath+")")
	c.Flags().BoolVar(&noReload, "no-reload", false, "with --install: do not run udevadm")
	return c
}
