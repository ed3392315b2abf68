package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/fwfile"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
)

// flashFlags are the flags of flash (and demo, which flashes too). Most
// set an update option directly.
type flashFlags struct {
	sel     selection
	opts    update.Options
	address string
	format  string
	backup  string
	jump    string
	method  string
}

func (e *env) flashCommand() *cobra.Command {
	var f flashFlags
	c := &cobra.Command{
		Use:   "flash FILE",
		Short: "Write a firmware file (bin, hex, srec, elf, dfu, uf2), verify, leave and check the application starts",
		Long: `Write a firmware file to a board in the ROM DFU bootloader.

The whole file is read and checked against the board's memory map before
anything is erased. Only sectors the image touches are erased, sectors that
already hold the image are skipped, and bytes of a touched sector outside the
image are kept (read, merged, written back) unless --no-keep. Everything
written is read back and compared. Then the board leaves the bootloader and
softdfu waits for the application to show up on USB.

A .bin file has no address: it goes to --address, or to the flash base
0x08000000.

Before the first erase, an image at 0x08000000 whose vector table cannot
boot, or one that touches write-protected sectors, is refused (--force
overrides; it removes the protection of those sectors first). --backup FILE
saves what the image will replace. When the image starts at the flash base
and other sectors change, sector 0 (the vector table a reset starts) is
erased first and written last, even if unchanged, so that an interrupted
update never leaves the old vector table in front of a half-written image
(--interrupt-may-boot-old skips that). If the board drops off the bus or fails
part way, softdfu reads it again and plans from what is on it now; if it
still fails, it says what the board holds. Recovery is always possible:
hold BOOT0 high, press reset and run the same command again.`,
		Args: exactArgs(1, "one firmware file"),
		RunE: func(c *cobra.Command, args []string) error {
			img, err := e.loadImage(args[0], f.address, f.format, "writing it at")
			if err != nil {
				return err
			}
			return e.flashBoards(c.Context(), img, &f)
		},
	}
	f.register(c)
	c.Flags().StringVar(&f.address, "address", "", "load address of a raw binary (default 0x08000000)")
	c.Flags().StringVar(&f.format, "format", "", "file format, instead of guessing from content and extension: "+strings.Join(fwfile.Formats, ", "))
	return c
}

func (f *flashFlags) register(c *cobra.Command) {
	fs, o := c.Flags(), &f.opts
	f.sel.flags(fs)
	fs.BoolVar(&o.DryRun, "dry-run", false, "print the plan and stop: nothing is erased or written")
	fs.BoolVar(&o.Flash.NoKeep, "no-keep", false, "let erases clear bytes of touched sectors that lie outside the image")
	fs.BoolVar(&o.Flash.Rewrite, "rewrite", false, "erase and write every touched sector, even unchanged ones")
	fs.BoolVar(&o.Flash.InterruptMayBootOld, "interrupt-may-boot-old", false, "skip an unchanged sector 0 while later sectors change (saves its erase and rewrite, 16K on STM32F4, 128K on STM32H7); an interrupted update then leaves the old vector table in front of a half-written image, which a reset with BOOT0 low starts")
	fs.BoolVar(&o.Override, "force", false, "write an image the safety guards refuse: a vector table at 0x08000000 that cannot boot, or write-protected sectors (their protection is removed first)")
	fs.StringVar(&f.backup, "backup", "", "before changing anything, save the current content of the sectors the image touches to `FILE` (format from the extension)")
	fs.BoolVar(&o.BackupAll, "backup-all", false, "with --backup, save all of flash instead of the touched sectors")
	fs.BoolVar(&o.Flash.NoVerify, "no-verify", false, "do not read back what was written")
	fs.BoolVar(&o.NoLeave, "no-leave", false, "stay in the bootloader after writing")
	fs.StringVar(&f.jump, "jump", "", "start the vector table at this address on leave (default 0x08000000)")
	fs.DurationVar(&o.AppTimeout, "app-timeout", 0, "how long to wait for the application to appear on USB after leaving (default: up to 5s, but 1.5s once the bootloader is gone and nothing new appeared; 5s with --expect-app)")
	fs.BoolVar(&o.ExpectApp, "expect-app", false, "fail if no application appears on USB after leaving")
	fs.StringVar(&f.method, "method", "", "software entry method for a board that runs its application: repl, raw-repl, detach or 1200bps (default: detected)")
}

// parseAddress reads --flag, a 32-bit address in hex (0x...) or
// decimal; nil when the flag is not given.
func parseAddress(flag, s string) (*uint32, error) {
	if s == "" {
		return nil, nil
	}
	a, err := board.ParseAddress(s)
	if err != nil {
		return nil, usageError("--%s %q is %v", flag, s, err)
	}
	return &a, nil
}

// loadImage reads and checks a firmware file.
// A raw binary without an address is placed at the flash base, and the
// message says what the command does with it there (verb: "writing it at",
// "comparing it with the board at", ...).
func (e *env) loadImage(path, address, format, verb string) (*firmware.Image, error) {
	at, err := parseAddress("address", address)
	if err != nil {
		return nil, err
	}
	img, atBase, err := fwfile.LoadAt(path, format, at, part.FlashBase)
	var nr *fwfile.NotRawError
	switch {
	case errors.As(err, &nr):
		return nil, usageError("--address %s: %s is %s, which carries its own addresses; --address is for raw binaries only (drop it, or convert the file with softdfu convert)", address, path, nr.Format)
	case err != nil:
		return nil, inputError(err)
	case atBase:
		// Said once the file is read: a missing file is placed nowhere.
		e.say("%s: raw binary without --address: %s the flash base 0x%08x", path, verb, uint32(part.FlashBase))
	}
	return img, nil
}

// updateOptions turns flags into update options.
func (e *env) updateOptions(f *flashFlags) (update.Options, error) {
	opts := f.opts
	opts.Estimate, opts.Enter = true, &enter.Options{}
	if opts.BackupAll && f.backup == "" {
		return opts, usageError("--backup-all needs --backup FILE")
	}
	if f.backup != "" && fwfile.FromExtension(f.backup) == "" {
		return opts, usageError("--backup %q: cannot tell the format from the name; use an extension such as .bin, .hex, .srec, .dfu or .uf2", f.backup)
	}
	m, err := enter.ParseMethod(f.method)
	if err != nil {
		return opts, usageError("--method: %v", err)
	}
	opts.Enter.Method = m
	opts.Jump, err = parseAddress("jump", f.jump)
	return opts, err
}

// flashBoards flashes img to the selected boards, in parallel with --all.
func (e *env) flashBoards(ctx context.Context, img *firmware.Image, f *flashFlags) error {
	opts, err := e.updateOptions(f)
	if err != nil {
		return err
	}
	host, boards, err := e.pick(ctx, &f.sel, "STM32 board (in DFU mode, or running an application softdfu can enter DFU from)", func(b board.Board) bool {
		return enter.Updatable(b, f.method != "")
	})
	if err != nil {
		return err
	}
	e.trackBoards(boards)
	defer e.stopProgress()
	if len(boards) == 1 {
		return e.flashOne(ctx, host, boards[0], img, e.withBackup(opts, f.backup, ""))
	}
	err = update.Each(board.Paths(boards), func(i int) error {
		return e.flashOne(ctx, host, boards[i], img, e.withBackup(opts, f.backup, boards[i].Path))
	})
	e.stopProgress()
	e.say("%s", update.Flashed(len(boards), err))
	return err
}

// withBackup makes opts save the board's content to path before changing
// it; with several boards, port is put before the extension
// (backup.1-2.hex).
func (e *env) withBackup(opts update.Options, path, port string) update.Options {
	if path != "" {
		opts.Backup = fwfile.Saver(path, port, func(path string, img *firmware.Image) {
			e.say("saved the current content (%d bytes) to %s", img.Size(), path)
		})
	}
	return opts
}

// flashOne runs the whole update on one board and reports it.
func (e *env) flashOne(ctx context.Context, host usb.Host, b board.Board, img *firmware.Image, opts update.Options) error {
	prefix := ""
	if e.sim != "" && strings.Contains(e.sim, ",") || e.usbip != "" {
		prefix = b.Path + ": "
	}
	opts.DFU.Log, opts.DFU.NoQueue = e.transcript(prefix), e.noQueue
	t := e.tracker(b.Path, prefix)
	if opts.DryRun && b.Mode != board.DFU {
		e.say("%sdry run: the plan needs what the board holds, read in its ROM bootloader: entering it from software, and starting the application again afterwards (nothing is erased or written)", prefix)
	}
	opts.Events = e.events(t, opts.DryRun)
	rep, err := update.Run(ctx, host, b.Info, img, opts)
	err = flashError(err)
	e.report(prefix, b, rep, err)
	t.Finish(err) // after the report: nothing may print once every bar is complete
	return err
}

// flashError adds the command line's remedies to an update's error.
func flashError(err error) error {
	if errors.As(err, new(*update.GuardError)) {
		return &reworded{err, err.Error() + " (--force overrides this check)"}
	}
	return err
}
