package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware/fwfile"
)

// errDiffers is wrapped by the error of a verify that found a difference.
var errDiffers = errors.New("the board differs from the file")

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
			img, err := e.loadImage(args[0], address, format)
			if err != nil {
				return err
			}
			s, err := e.openSession(ctx, &sel, "verify", nil)
			if err != nil {
				return err
			}
			defer s.close()
			l := s.conn.Layout()
			for _, seg := range img.Segments {
				if seg.Alt != 0 {
					return inputError(fmt.Errorf("%s: a segment is for alternate setting %d at 0x%08x: only internal flash (alt 0) is verified", args[0], seg.Alt, seg.Address))
				}
				if at, out := l.FirstOutside(seg.Address, uint64(len(seg.Data)), dfu.Readable); out {
					return inputError(fmt.Errorf("%s: byte at 0x%08x is outside the board's readable memory %s", args[0], at, l.Describe(dfu.Readable)))
				}
			}
			t := e.tracker(s.board.Path, "")
			defer e.stopProgress()
			t.setPhase("verify", "reading the board back")
			total, done := img.Size(), 0
			first, diffs := int64(-1), 0
			var want, got byte
			for _, seg := range img.Segments {
				data, err := s.conn.Upload(ctx, seg.Address, len(seg.Data), func(n int) { t.update("verify", done+n, total) })
				if err != nil {
					t.finish(err)
					e.result(s.board.Path, err, nil)
					var se *dfu.StatusError
					if errors.As(err, &se) && se.Status == dfu.ErrVendor {
						return fmt.Errorf("%w (the board is read-protected: it cannot be verified)", err)
					}
					return err
				}
				done += len(seg.Data)
				for i := range data {
					if data[i] != seg.Data[i] {
						if first < 0 {
							first, want, got = int64(seg.Address)+int64(i), seg.Data[i], data[i]
						}
						diffs++
					}
				}
			}
			data := map[string]any{"file": args[0], "bytes": total, "differing_bytes": diffs, "crc32": fmt.Sprintf("0x%08x", img.CRC32())}
			if first >= 0 {
				err := verifyError(fmt.Errorf("%w: first difference at 0x%08x (file 0x%02x, board 0x%02x); %d of %d bytes differ; flash the file with softdfu flash %s", errDiffers, first, want, got, diffs, total, args[0]))
				t.finish(err)
				data["first_difference"] = fmt.Sprintf("0x%08x", first)
				e.result(s.board.Path, err, data)
				return err
			}
			e.result(s.board.Path, nil, data)
			e.say("%s matches %s: %d bytes in %d segment(s), CRC-32 0x%08x", s.board.Path, args[0], total, len(img.Segments), img.CRC32())
			t.finish(nil) // after the last line: nothing may print once every bar is complete
			return nil
		},
	}
	sel.flags(c.Flags())
	c.Flags().StringVar(&address, "address", "", "load address of a raw binary (default 0x08000000)")
	c.Flags().StringVar(&format, "format", "", "file format, instead of guessing: "+strings.Join(fwfile.Formats, ", "))
	return c
}
