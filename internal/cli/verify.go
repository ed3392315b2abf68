package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware/fwfile"
)

func (e *env) verifyCommand() *cobra.Command {
	var sel selection
	var address, format string
	c := &cobra.Command{
		Use:   "verify FILE",
		Short: "Compare what a board holds with a firmware file; name the first differing address (exit 6)",
		Long: `Read back every byte of FILE's segments from a board in the ROM bootloader and
compare. Nothing is written. On a difference softdfu names the first
differing address, the byte the file has and the byte the board has, counts
the differing bytes, and exits with code 6. A .bin file goes to --address or
the flash base 0x08000000.`,
		Args: exactArgs(1, "one firmware file"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			file := args[0]
			img, err := e.loadImage(file, address, format, "comparing it with the board at")
			if err != nil {
				return err
			}
			s, err := e.openSession(ctx, &sel, "verify", enter.ForReading)
			if err != nil {
				return err
			}
			defer e.release(ctx, s)
			path := s.Board.Path
			if err := s.CheckReadable(img); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			t := e.tracker(path, "")
			defer e.stopProgress()
			cmp, err := s.Verify(ctx, img, e.events(t, false))
			data := cmp.Document(img, file)
			if cmp.Differing > 0 {
				err = board.Errorf(board.Verify, "the board differs from the file: first difference at 0x%08x (file 0x%02x, board 0x%02x); %d of %d bytes differ; flash the file with softdfu flash %s",
					cmp.First, cmp.Want, cmp.Got, cmp.Differing, cmp.Bytes, file)
			}
			if err != nil && cmp.Differing == 0 {
				data = nil // "data": null
			}
			if err != nil {
				return reword(e.finish(t, err, data), board.ErrReadProtected, "it cannot be verified")
			}
			return e.finish(t, nil, data, cmp.Matched(img, path, file))
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().StringVar(&address, "address", "", "load address of a raw binary (default 0x08000000)")
	c.Flags().StringVar(&format, "format", "", "file format, instead of guessing: "+strings.Join(fwfile.Formats, ", "))
	return c
}
