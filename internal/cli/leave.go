package cli

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

func (e *env) leaveCommand() *cobra.Command {
	var sel selection
	var jump string
	var appTimeout time.Duration
	var expectApp bool
	c := &cobra.Command{
		Use:     "leave",
		Aliases: []string{"reset"},
		Short:   "Leave the ROM bootloader and start the application; wait for it on USB",
		Long: `Tell a board in the ROM bootloader to leave it: the ROM starts the
application whose vector table is at 0x08000000 (or --jump). softdfu then
waits for a USB device on the board's port, as flash does. Firmware without
USB shows nothing, which is not an error unless --expect-app.

A board held in the bootloader by BOOT0 high comes back to the bootloader at
its next reset.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			to, err := parseAddress("jump", jump)
			if err != nil {
				return err
			}
			s, err := e.openSession(ctx, &sel, "leave", enter.ForBootloader)
			var nd *board.NotInDFUError
			if errors.As(err, &nd) {
				// The bus shows the board running its application.
				e.say("%s already runs its application, not the ROM bootloader: nothing to leave", nd.Board)
				e.result(nd.Board.Path, nil, board.LeftDocument{AlreadyApp: true})
				return nil
			}
			if err != nil {
				return err
			}
			t := e.tracker(s.Board.Path, "")
			defer e.stopProgress()
			l, err := s.LeaveAndWait(ctx, to, appTimeout, expectApp, e.events(t, false))
			if l == nil { // leaving failed
				return e.finish(t, err, nil)
			}
			return e.finish(t, err, l.Document(), flagWords.Replace(l.Text()))
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().StringVar(&jump, "jump", "", "start the vector table at this address (default 0x08000000)")
	c.Flags().DurationVar(&appTimeout, "app-timeout", 5*time.Second, "how long to wait for the application to appear on USB")
	c.Flags().BoolVar(&expectApp, "expect-app", false, "fail (exit 9) if no application appears on USB")
	return c
}
