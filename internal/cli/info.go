package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
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
	s, err := e.openSession(ctx, sel, "info", nil)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := s.Document(ctx)
	if err != nil {
		return err
	}
	doc := boardDocument{Document: d}
	uid := "the serial number encodes UID word0+word2 and the upper half of word1; the ROM does not tell the full UID"
	if w := e.world(); w != nil {
		if sb := w.Board(d.Path); sb != nil {
			f := sb.Facts()
			doc.Simulated = f
			uid = fmt.Sprintf("simulated: %s on %s, UID %s (known only because the board is simulated)", f.Part, f.Board, f.UID)
		}
	}
	if e.json {
		return e.document(doc)
	}
	fmt.Fprintf(e.stdout, "board %s (%s) %s %q serial %s\n", d.Path, d.Host, d.ID, d.Product, d.Serial)
	fmt.Fprintf(e.stdout, "ROM bootloader: bcdDevice %s, %s\n", doc.ROM, doc.Functional)
	fmt.Fprintf(e.stdout, "part (inferred from the flash layout): %s\n", doc.Part)
	fmt.Fprintln(e.stdout, uid)
	fmt.Fprintln(e.stdout, "memory:")
	for _, a := range doc.Alts {
		fmt.Fprintf(e.stdout, "  alt %d  %s\n", a.Alt, a.Layout)
	}
	for _, o := range doc.OptionBytes {
		fmt.Fprintf(e.stdout, "option bytes at %s: %s\n", o.Address, o.Raw)
	}
	for _, line := range doc.OptionLines {
		fmt.Fprintf(e.stdout, "  %s\n", line)
	}
	return nil
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
	fmt.Fprintf(e.stdout, "%s: %s, %d bytes in %d segment(s), CRC-32 %s\n", path, d.Format, d.Size, len(d.Segments), d.CRC32)
	t := newTable(e.stdout, "  ALT", "START", "END", "SIZE")
	for _, s := range d.Segments {
		t.row(fmt.Sprintf("  %d", s.Alt), s.Address, s.End, fmt.Sprint(s.Size))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if d.Entry != "" {
		fmt.Fprintf(e.stdout, "entry point %s\n", d.Entry)
	}
	if d.DFUSuffix != "" {
		fmt.Fprintf(e.stdout, "DFU suffix: %s\n", d.DFUSuffix)
	}
	if vt := d.VectorTable; vt != nil {
		fmt.Fprintf(e.stdout, "vector table at %s: initial SP %s, reset %s\n", vt.At, vt.InitialSP, vt.Reset)
	}
	if d.Bootable {
		fmt.Fprintln(e.stdout, "looks bootable on an STM32F4")
	}
	for _, p := range d.Problems {
		fmt.Fprintf(e.stdout, "warning: %s\n", p)
	}
	return nil
}
