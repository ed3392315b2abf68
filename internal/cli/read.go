package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware/fwfile"
)

func (e *env) readCommand() *cobra.Command {
	var sel selection
	var address, length, format string
	var force bool
	c := &cobra.Command{
		Use:   "read FILE",
		Short: "Read (upload) flash from a board into a firmware file of any format",
		Long: `Read memory from a board in the ROM bootloader and write it to FILE, in the
format of FILE's extension (.bin .hex .srec .dfu .uf2) or --format.

--address defaults to the flash base 0x08000000 and --length to the rest of
the flash from there, so "softdfu read backup.hex" saves the whole flash.
An existing FILE is refused unless --force; the file is written atomically
(a failed read leaves no partial file). A board under read protection
refuses to be read (see softdfu option-bytes).`,
		Args: exactArgs(1, "one output file"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			file := args[0]
			if _, err := os.Stat(file); err == nil && !force {
				return usageError("%s exists: choose another name, or --force to replace it", file)
			}
			if format == "" && fwfile.FromExtension(file) == "" {
				return usageError("%s: cannot tell the format from the extension: use .bin .hex .srec .dfu .uf2 or --format", file)
			}
			if err := fwfile.Creatable(file); err != nil {
				return inputError(fmt.Errorf("%w; nothing was read", err))
			}
			at, n, err := board.ReadInput{Address: address, Length: length}.Parse()
			var fe *board.FieldError
			if errors.As(err, &fe) {
				return usageError("--%s %q is %v", fe.Field, fe.Value, fe.Err)
			}
			s, err := e.openSession(ctx, &sel, "read", enter.ForReading)
			if err != nil {
				return err
			}
			defer e.release(ctx, s)
			addr, n, err := s.ReadRange(at, n)
			if err != nil {
				return err
			}
			path := s.Board.Path
			t := e.tracker(path, "")
			defer e.stopProgress()
			img, err := s.ReadImage(ctx, addr, n, e.events(t, false))
			if err != nil {
				return reword(e.finish(t, err, nil), board.ErrReadProtected, "softdfu unprotect --yes removes it and erases the flash")
			}
			if err := fwfile.Write(file, img, fwfile.WriteOptions{Format: format}); err != nil {
				return inputError(err)
			}
			done := board.ReadDone(img, path, file)
			return e.finish(t, nil, done, done.Text)
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().StringVar(&address, "address", "", "first address to read (default: the flash base, 0x08000000)")
	c.Flags().StringVar(&length, "length", "", "bytes to read: 16384, 0x4000, 16K, 1M (default: to the end of flash)")
	c.Flags().StringVar(&format, "format", "", "output format instead of FILE's extension: "+strings.Join(fwfile.Formats, ", "))
	c.Flags().BoolVar(&force, "force", false, "replace FILE if it exists")
	return c
}
