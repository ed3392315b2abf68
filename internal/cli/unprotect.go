package cli

import (
	"fmt"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"

	"github.com/spf13/cobra"
)

const unprotectWarning = `Read Unprotect removes read protection (RDP level 1 to level 0): the ROM
MASS-ERASES THE WHOLE FLASH first (the application and any data in flash are
lost), then resets the chip. Save nothing first: a protected board cannot be
read. Run again with --yes to do it.`

func (e *env) unprotectCommand() *cobra.Command {
	var sel selection
	var yes bool
	var resetTimeout time.Duration
	c := &cobra.Command{
		Use:   "unprotect",
		Short: "Remove read protection (Read Unprotect): mass-erases the flash; needs --yes",
		Long: unprotectWarning + `

After the command the chip resets; softdfu follows the board on its port and
reports what came back. Level 2 (permanent) cannot be removed by anything.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			if !yes {
				return usageError("%s", unprotectWarning)
			}
			s, err := e.openSession(ctx, &sel, "unprotect", enter.ForBootloader)
			if err != nil {
				return err
			}
			path := s.Board.Path
			t := e.tracker(path, "")
			defer e.stopProgress()
			show := e.events(t, false)
			u, err := s.Unprotect(ctx, resetTimeout, func(ev board.Event) {
				if p, ok := ev.(board.PhaseStarted); ok && p.Phase == board.Unprotecting {
					e.warn("read unprotect on %s: the whole flash is being erased", path)
				}
				show(ev)
			})
			if u == nil { // the option bytes could not be read
				return e.finish(t, err, nil)
			}
			return e.finish(t, err, u.Document(), unprotected(path, u, resetTimeout))
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().BoolVar(&yes, "yes", false, "really remove read protection and erase the whole flash")
	c.Flags().DurationVar(&resetTimeout, "reset-timeout", 5*time.Second, "how long to wait for the board to come back after its reset")
	return c
}

// unprotected says what Unprotect did and found, and how to see more.
func unprotected(path string, u *board.Unprotected, waited time.Duration) string {
	switch back := u.Back; {
	case !u.Sent:
		return fmt.Sprintf("%s: not read-protected (RDP level 0): nothing to remove; nothing was sent or changed (softdfu erase --mass erases the flash)", path)
	case back == nil:
		return fmt.Sprintf("%s: Read Unprotect sent; nothing came back on USB within %v, so the result is not confirmed (with BOOT0 low an erased chip runs nothing: hold BOOT0 high and reset to reach the bootloader, then softdfu option-bytes shows the level)", path, waited)
	case !u.Checked:
		return fmt.Sprintf("%s: Read Unprotect sent; the board came back as %s %s, so the result is not confirmed (enter the bootloader and run softdfu option-bytes to see the level)", path, back.ID, back.Product)
	case u.Blank:
		return path + ": read protection removed: the option bytes show RDP level 0 and the whole flash reads back erased; the board is in the ROM bootloader"
	}
	return path + ": the option bytes show RDP level 0, but the flash does not read back erased; the board is in the ROM bootloader"
}
