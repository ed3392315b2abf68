package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

func (e *env) infoCommand() *cobra.Command {
	var sel selection
	var address, format string
	c := &cobra.Command{
		Use:   "info [FILE]",
		Short: "Describe a board (part, ROM, serial, memory map, option bytes) or a firmware file",
		Long: `With no argument, describe the selected board in the ROM bootloader: what a
host can read from it (ROM version, serial number, the memory map of every
alternate setting, the option bytes and read-protection level) and what it
infers from that (the part family). With FILE, describe a firmware file:
format, segments, sizes, CRC-32, entry point and whether its start looks like
a bootable Cortex-M vector table.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				return e.fileInfo(args[0], address, format)
			}
			return e.boardInfo(c.Context(), &sel)
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().StringVar(&address, "address", "", "load address of a raw binary FILE (default 0x08000000)")
	c.Flags().StringVar(&format, "format", "", "format of FILE instead of guessing")
	return c
}

// boardDocument is info's JSON document: the board's, and on a simulated
// board what only the simulation knows.
type boardDocument struct {
	board.Document
	// Simulated is the board's sim.Facts.
	Simulated any `json:"simulated,omitempty"`
}

func (e *env) boardInfo(ctx context.Context, sel *selection) error {
	s, err := e.openSession(ctx, sel, "info", enter.ForBootloader)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := s.Document(ctx)
	if err != nil {
		return err
	}
	doc := boardDocument{Document: d}
	var uid string // board.UIDNote
	if f, ok := e.world().Facts(d.Path); ok {
		doc.Simulated, uid = f, f.String()
	}
	if e.json {
		return e.document(doc)
	}
	return e.lines(doc.Lines(uid))
}

func (e *env) fileInfo(path, address, format string) error {
	img, err := e.loadImage(path, address, format, "taking it as starting at")
	if err != nil {
		return err
	}
	d := img.Describe(path)
	if e.json {
		return e.document(d)
	}
	return e.lines(d.Lines())
}
