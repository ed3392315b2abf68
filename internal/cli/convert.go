package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/firmware/fwfile"
)

func (e *env) convertCommand() *cobra.Command {
	var address, inFormat, outFormat, vid, pid string
	c := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert a firmware file between bin, hex, srec, elf (input only), dfu and uf2",
		Long: `Convert a firmware file. The output format comes from OUT's extension
(.bin .hex .srec .dfu .uf2) or --format. A .bin input needs --address unless
it goes to the flash base 0x08000000. The output is written atomically: a
failed conversion leaves no partial file.`,
		Args: exactArgs(2, "an input and an output file"),
		RunE: func(c *cobra.Command, args []string) error {
			img, err := e.loadImage(args[0], address, inFormat, "taking it as starting at")
			if err != nil {
				return err
			}
			opt, err := fwfile.WriteInput{Format: outFormat, Vendor: vid, Product: pid}.Options()
			if err != nil {
				return usageError("--%v", err) // --vid or --pid: an *fwfile.IDError
			}
			if err := fwfile.Write(args[1], img, opt); err != nil {
				return inputError(err)
			}
			e.say("wrote %s: %d bytes in %d segment(s)", args[1], img.Size(), len(img.Segments))
			return nil
		},
	}
	c.Flags().StringVar(&address, "address", "", "load address of a raw binary input (default 0x08000000)")
	c.Flags().StringVar(&inFormat, "in-format", "", "input format instead of guessing")
	c.Flags().StringVar(&outFormat, "format", "", "output format instead of OUT's extension: "+strings.Join(fwfile.Formats, ", "))
	c.Flags().StringVar(&vid, "vid", "", "USB vendor ID for a .dfu suffix (hex, default 0483)")
	c.Flags().StringVar(&pid, "pid", "", "USB product ID for a .dfu suffix (hex, default df11)")
	return c
}
