package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

func (e *env) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List boards: ROM bootloaders and applications softdfu can enter DFU from",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			host, err := e.host(c.Context())
			if err != nil {
				return err
			}
			bs, err := board.List(c.Context(), host)
			if err != nil {
				return err
			}
			if e.json {
				if bs == nil {
					bs = []board.Board{}
				}
				return e.document(bs)
			}
			if len(bs) == 0 {
				e.say("no boards found")
				return nil
			}
			w := newTable(e.stdout, "PATH", "MODE", "ID", "SERIAL", "CHIP OR ENTRY", "PRODUCT")
			for _, b := range bs {
				w.row(b.Path, string(b.Mode), b.ID, b.Serial, enter.Summary(b), b.Product)
				if b.Problem != "" {
					w.note("cannot open: " + b.Problem)
				}
				for i, a := range b.Alts {
					w.note(fmt.Sprintf("alt %d: %s", i, strings.TrimSpace(a)))
				}
			}
			return w.flush()
		},
	}
}
