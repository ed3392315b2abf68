package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

// optFlags are the changes option-bytes can make.
type optFlags struct {
	text         board.OptionText
	yes          bool
	risk         board.Risks
	resetTimeout time.Duration
	change       board.OptionChange
}

// optionFlag names the flag of each field of board.OptionText.
var optionFlag = map[string]string{"RDP": "rdp", "User": "user", "NWRP": "nwrp", "BootAdd0": "boot-add0", "BootAdd1": "boot-add1",
	"Protect": "write-protect", "Unprotect": "write-unprotect"}

// parse checks the flags; it refuses RDP level 2 without
// --permanently-lock before anything is opened.
func (f *optFlags) parse() error {
	var err error
	f.change, err = f.text.Change()
	var ve *board.OptionValueError
	switch {
	case errors.Is(err, board.ErrLockNotConfirmed):
		return usageError("refusing --rdp 2 without --permanently-lock.\n%s", board.RDP2Warning)
	case errors.Is(err, board.ErrLockWithoutLevel2):
		return usageError("--permanently-lock goes only with --rdp 2")
	case errors.As(err, &ve):
		return usageError("--%s %q: %s", optionFlag[ve.Field], ve.Value, ve.Hint)
	}
	return err
}

func (e *env) optionBytesCommand() *cobra.Command {
	var sel selection
	var f optFlags
	c := &cobra.Command{
		Use:   "option-bytes",
		Short: "Show the option bytes (RDP, USER, write protection); change them with flags and --yes",
		Long: `Without flags, show the option bytes of a board in the ROM bootloader: read
protection level (RDP), the USER byte (watchdog, reset and BOR bits) and the
write-protected sectors (nWRP); on STM32F7 also the IWDG, nDBANK and
nDBOOT bits and BOOT_ADD0/BOOT_ADD1. Layouts from RM0090 section 3.7.1
(F2/F4) and RM0410/RM0431 section 3.4 (F7). On the other families the
read protection level and, where the layout is known, the write-protected
pages or sectors.

With --rdp, --user, --nwrp, --write-protect, --write-unprotect or (F7)
--boot-add0/--boot-add1, write the changed block (with --yes). The ROM resets the chip after an option-byte
write; softdfu follows the board on its port and shows the new values.

  --rdp 1   read protection: the flash can no longer be read over DFU
  --rdp 0   back to level 0: the chip MASS-ERASES its flash first
  --rdp 2   permanent lock, which can never be undone; refused unless
            --permanently-lock is given as well

` + riskHelp,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if err := f.parse(); err != nil {
				return err
			}
			if !f.change.Empty() && !f.yes {
				return usageError("changing option bytes resets the chip (and --rdp 0 from level 1 mass-erases the flash): run again with --yes")
			}
			return e.optionBytes(c.Context(), &sel, &f)
		},
	}
	sel.oneFlags(c.Flags())
	fs := c.Flags()
	fs.StringVar(&f.text.RDP, "rdp", "", "read protection level: 0, 1 or 2 (2 needs --permanently-lock)")
	fs.BoolVar(&f.text.PermanentLock, "permanently-lock", false, "with --rdp 2: lock the chip FOREVER; this can never be undone")
	fs.StringVar(&f.text.User, "user", "", "the USER option byte (bits: 7 nRST_STDBY, 6 nRST_STOP, 5 WDG_SW (F7: IWDG_SW), F7: 4 WWDG_SW, 3:2 BOR_LEV)")
	fs.StringVar(&f.text.NWRP, "nwrp", "", "the raw 16-bit nWRP word of bank 1 (a clear bit write-protects a sector; F7: bits 15 IWDG_STOP, 14 IWDG_STDBY, 13 nDBANK, 12 nDBOOT)")
	fs.StringVar(&f.text.BootAdd[0], "boot-add0", "", "STM32F7: BOOT_ADD0, where BOOT0 low boots, in 16 KB units (0x0080 flash on ITCM, 0x2000 flash on AXIM)")
	fs.StringVar(&f.text.BootAdd[1], "boot-add1", "", "STM32F7: BOOT_ADD1, where BOOT0 high boots (0x0040: the ROM bootloader)")
	fs.StringVar(&f.text.Protect, "write-protect", "", "write-protect these sectors: 0,2,4-6")
	fs.StringVar(&f.text.Unprotect, "write-unprotect", "", "remove write protection from these sectors: 0,2,4-6")
	fs.BoolVar(&f.yes, "yes", false, "really write the option bytes (the chip resets)")
	fs.BoolVar(&f.risk.FreezeBoot, "freeze-boot-sector", false, "allow write-protecting the sector with the vector table: the application's start can then not be updated until it is unprotected")
	fs.BoolVar(&f.risk.WatchdogAlwaysOn, "watchdog-always-on", false, "allow clearing WDG_SW (F7: IWDG_SW, WWDG_SW): the watchdog runs from every reset and resets a chip whose firmware does not refresh it")
	fs.BoolVar(&f.risk.BrownoutReset, "brownout-reset", false, "allow raising the BOR level: below its voltage the chip stays in reset")
	fs.BoolVar(&f.risk.MoveBootAddress, "move-boot-address", false, "STM32F7: allow changing BOOT_ADD0/BOOT_ADD1: the chip then starts elsewhere (BOOT_ADD1 not 0x0040: BOOT0 no longer reaches the ROM bootloader)")
	fs.BoolVar(&f.risk.ChangeBankMode, "change-bank-mode", false, "STM32F76x/77x: allow changing nDBANK: the flash layout (sector numbers and sizes) changes")
	fs.BoolVar(&f.risk.DualBoot, "dual-boot", false, "STM32F76x/77x: allow clearing nDBOOT (dual boot from either bank)")
	fs.DurationVar(&f.resetTimeout, "reset-timeout", 5*time.Second, "how long to wait for the board to come back after the write")
	return c
}

// optionBytes shows the option bytes, or changes them and shows what the
// board took.
func (e *env) optionBytes(ctx context.Context, sel *selection, f *optFlags) error {
	s, err := e.openSession(ctx, sel, "option-bytes", enter.ForChanging)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.OptionState(ctx)
	if err != nil {
		return err
	}
	path := st.Path
	if f.change.Empty() {
		s.Close()
		return e.showOptionBytes(st, st.Bytes, nil)
	}
	plan, err := st.Plan(f.change, f.risk)
	if errors.As(err, new(*board.BadSectorError)) {
		return fmt.Errorf("%w (softdfu info shows them)", err)
	}
	if err != nil {
		return riskError(err)
	}
	if plan.Lock {
		e.warn("%s", board.RDP2Warning)
	}
	if plan.MassErase {
		e.warn("%s: leaving read protection level 1: the chip mass-erases its flash", path)
	}
	w, err := s.WriteOptionBytes(ctx, st.Bytes, plan.Want, board.WriteOptions{Timeout: f.resetTimeout, PermanentLock: f.text.PermanentLock, Events: func(ev board.Event) {
		if _, text := noteText(ev); text != "" {
			e.say("%s: %s", path, text)
		}
	}})
	switch {
	case err != nil:
		e.result(path, err, nil)
		return err
	case w.Blocks == 0:
		e.say("%s: nothing to change", path)
		return e.showOptionBytes(st, st.Bytes, nil)
	case w.Now == nil:
		e.result(path, nil, map[string]any{"written": true, "back": false})
		e.say("%s: option bytes written; the board did not come back in the ROM bootloader within %v (it may run its application: softdfu info shows the values once it is in the bootloader again)", path, f.resetTimeout)
		return nil
	}
	e.say("%s: the board reset and is back in the ROM bootloader; the option bytes now:", path)
	return e.showOptionBytes(st, w.Now, w.Mismatch)
}

// showOptionBytes prints option bytes of st's board (and, with err, that
// the board did not take the values asked for).
func (e *env) showOptionBytes(st *board.OptionState, o *board.OptionBytes, err error) error {
	doc := st.Document(o)
	if e.json {
		e.result(st.Path, err, doc)
		return err
	}
	e.lines(doc.Listing(st.Path))
	return err
}
