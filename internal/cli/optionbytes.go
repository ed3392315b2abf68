package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

const rdp2Warning = `RDP level 2 LOCKS THE CHIP FOREVER. It can never be undone: not by softdfu,
not by ST's tools, not by a debugger, not by anyone. The ROM bootloader and
the debug port are disabled for good and the option bytes can never be
changed again. Only firmware already on the chip will ever run on it.`

// optFlags are the changes option-bytes can make.
type optFlags struct {
	rdp, user, nwrp      string
	bootAdd              [2]string
	protect, unprotect   string
	yes, permanentlyLock bool
	risk                 riskFlags
	resetTimeout         time.Duration
	change               board.OptionChange
}

func (f *optFlags) changes() bool {
	return f.rdp != "" || f.user != "" || f.nwrp != "" || f.protect != "" || f.unprotect != "" || f.bootAdd[0] != "" || f.bootAdd[1] != ""
}

// parse checks the flags; it refuses RDP level 2 without
// --permanently-lock before anything is opened.
func (f *optFlags) parse() error {
	c := &f.change
	switch f.rdp {
	case "":
	case "0":
		c.RDP = ptr(byte(optionbytes.RDPLevel0))
	case "1":
		c.RDP = ptr(byte(optionbytes.RDPLevel1))
	case "2":
		if !f.permanentlyLock {
			return usageError("refusing --rdp 2 without --permanently-lock.\n%s", rdp2Warning)
		}
		c.RDP = ptr(byte(optionbytes.RDPLevel2))
	default:
		return usageError("--rdp %q: give 0 (no protection), 1 (read protection, removable with a mass erase) or 2 (permanent lock)", f.rdp)
	}
	if f.permanentlyLock && f.rdp != "2" {
		return usageError("--permanently-lock goes only with --rdp 2")
	}
	if f.user != "" {
		v, err := strconv.ParseUint(f.user, 0, 8)
		if err != nil {
			return usageError("--user %q: give the USER option byte, for example 0xef", f.user)
		}
		c.User = ptr(byte(v))
	}
	if f.nwrp != "" {
		v, err := strconv.ParseUint(f.nwrp, 0, 16)
		if err != nil {
			return usageError("--nwrp %q: give the 16-bit nWRP word of bank 1, for example 0x0fff (a clear bit protects a sector)", f.nwrp)
		}
		c.NWRP = ptr(uint16(v))
	}
	for i, v := range f.bootAdd {
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 0, 16)
		if err != nil {
			return usageError("--boot-add%d %q: give the 16-bit BOOT_ADD%d value (the boot address divided by 16 KB), for example 0x%04x", i, v, i, [2]int{optionbytes.F7BootFlashITCM, optionbytes.F7BootSystem}[i])
		}
		c.BootAdd[i] = ptr(uint16(n))
	}
	var err error
	if f.protect != "" {
		if c.Protect, err = parseIndexList("write-protect", f.protect); err != nil {
			return err
		}
	}
	if f.unprotect != "" {
		if c.Unprotect, err = parseIndexList("write-unprotect", f.unprotect); err != nil {
			return err
		}
	}
	return nil
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
			if f.changes() && !f.yes {
				return usageError("changing option bytes resets the chip (and --rdp 0 from level 1 mass-erases the flash): run again with --yes")
			}
			return e.optionBytes(c.Context(), &sel, &f)
		},
	}
	sel.oneFlags(c.Flags())
	fs := c.Flags()
	fs.StringVar(&f.rdp, "rdp", "", "read protection level: 0, 1 or 2 (2 needs --permanently-lock)")
	fs.BoolVar(&f.permanentlyLock, "permanently-lock", false, "with --rdp 2: lock the chip FOREVER; this can never be undone")
	fs.StringVar(&f.user, "user", "", "the USER option byte (bits: 7 nRST_STDBY, 6 nRST_STOP, 5 WDG_SW (F7: IWDG_SW), F7: 4 WWDG_SW, 3:2 BOR_LEV)")
	fs.StringVar(&f.nwrp, "nwrp", "", "the raw 16-bit nWRP word of bank 1 (a clear bit write-protects a sector; F7: bits 15 IWDG_STOP, 14 IWDG_STDBY, 13 nDBANK, 12 nDBOOT)")
	fs.StringVar(&f.bootAdd[0], "boot-add0", "", "STM32F7: BOOT_ADD0, where BOOT0 low boots, in 16 KB units (0x0080 flash on ITCM, 0x2000 flash on AXIM)")
	fs.StringVar(&f.bootAdd[1], "boot-add1", "", "STM32F7: BOOT_ADD1, where BOOT0 high boots (0x0040: the ROM bootloader)")
	fs.StringVar(&f.protect, "write-protect", "", "write-protect these sectors: 0,2,4-6")
	fs.StringVar(&f.unprotect, "write-unprotect", "", "remove write protection from these sectors: 0,2,4-6")
	fs.BoolVar(&f.yes, "yes", false, "really write the option bytes (the chip resets)")
	fs.BoolVar(&f.risk.freezeBoot, "freeze-boot-sector", false, "allow write-protecting the sector with the vector table: the application's start can then not be updated until it is unprotected")
	fs.BoolVar(&f.risk.watchdog, "watchdog-always-on", false, "allow clearing WDG_SW (F7: IWDG_SW, WWDG_SW): the watchdog runs from every reset and resets a chip whose firmware does not refresh it")
	fs.BoolVar(&f.risk.brownout, "brownout-reset", false, "allow raising the BOR level: below its voltage the chip stays in reset")
	fs.BoolVar(&f.risk.moveBoot, "move-boot-address", false, "STM32F7: allow changing BOOT_ADD0/BOOT_ADD1: the chip then starts elsewhere (BOOT_ADD1 not 0x0040: BOOT0 no longer reaches the ROM bootloader)")
	fs.BoolVar(&f.risk.bankMode, "change-bank-mode", false, "STM32F76x/77x: allow changing nDBANK: the flash layout (sector numbers and sizes) changes")
	fs.BoolVar(&f.risk.dualBoot, "dual-boot", false, "STM32F76x/77x: allow clearing nDBOOT (dual boot from either bank)")
	fs.DurationVar(&f.resetTimeout, "reset-timeout", 5*time.Second, "how long to wait for the board to come back after the write")
	return c
}

// optionBytes shows the option bytes, or changes them and shows what the
// board took.
func (e *env) optionBytes(ctx context.Context, sel *selection, f *optFlags) error {
	s, err := e.openSession(ctx, sel, "option-bytes", nil)
	if err != nil {
		return err
	}
	defer s.Close()
	path, flashLayout := s.Board.Path, s.Layout()
	cur, err := s.OptionBytes(ctx)
	if err != nil {
		return err
	}
	chip, _ := s.Chip() // the option-byte string helps tell the chip
	if !f.changes() {
		s.Close()
		return e.showOptionBytes(path, cur, nil, flashLayout, chip)
	}
	if err := board.NotChangeable(chip, path); err != nil {
		return err
	}
	want, err := f.change.Apply(cur.Blocks, flashLayout, chip)
	if err != nil && strings.Contains(err.Error(), "has sectors") {
		return fmt.Errorf("%w (softdfu info shows them)", err)
	}
	if err != nil {
		return err
	}
	if err := board.CheckOptionChange(cur.Blocks, want, flashLayout, chip, f.risk.risks()); err != nil {
		return riskError(err)
	}
	if want[0].RDP == optionbytes.RDPLevel2 {
		e.warn("%s", rdp2Warning)
	}
	if cur.Level() == 1 && want[0].Level() == 0 {
		e.warn("%s: leaving read protection level 1: the chip mass-erases its flash", path)
	}
	w, err := s.WriteOptionBytes(ctx, cur, want, board.WriteOptions{Timeout: f.resetTimeout, PermanentLock: f.permanentlyLock, Events: func(ev board.Event) {
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
		return e.showOptionBytes(path, cur, nil, flashLayout, chip)
	case w.Now == nil:
		e.result(path, nil, map[string]any{"written": true, "back": false})
		e.say("%s: option bytes written; the board did not come back in the ROM bootloader within %v (it may run its application: softdfu info shows the values once it is in the bootloader again)", path, f.resetTimeout)
		return nil
	}
	e.say("%s: the board reset and is back in the ROM bootloader; the option bytes now:", path)
	return e.showOptionBytes(path, w.Now, w.Mismatch, flashLayout, chip)
}

// showOptionBytes prints the blocks (and, with want, whether the board
// took the values asked for).
func (e *env) showOptionBytes(path string, o *board.OptionBytes, err error, layout board.Layout, chip *part.Chip) error {
	prot := o.Protection()
	protected := []int{}
	for _, sec := range o.Protected(chip, layout.All()) {
		protected = append(protected, sec.Index)
	}
	doc := map[string]any{"rdp": fmt.Sprintf("0x%02x", prot.RDP), "rdp_level": prot.Level, "write_protected_sectors": protected}
	if prot.Unknown != "" {
		doc["write_protection_unknown"] = prot.Unknown
	}
	if len(o.Blocks) > 0 {
		b0 := o.Blocks[0]
		doc["user"], doc["bor_level"] = fmt.Sprintf("0x%02x", b0.User), b0.BORLevel()
		if b0.Layout == optionbytes.F7 {
			doc["boot_add0"], doc["boot_add1"] = fmt.Sprintf("0x%04x", b0.BootAdd[0]), fmt.Sprintf("0x%04x", b0.BootAdd[1])
		}
	}
	var raws []map[string]string
	for i, raw := range o.Raw {
		m := map[string]string{"address": fmt.Sprintf("0x%08x", o.Addrs[i]), "raw": fmt.Sprintf("% x", raw)}
		if i < len(o.Blocks) {
			m["nwrp"] = fmt.Sprintf("0x%04x", o.Blocks[i].NWRP)
		}
		raws = append(raws, m)
	}
	doc["blocks"] = raws
	if e.json {
		e.result(path, err, doc)
		return err
	}
	fmt.Fprintf(e.stdout, "option bytes of %s:\n", path)
	for i, raw := range o.Raw {
		fmt.Fprintf(e.stdout, "  at 0x%08x: % x\n", o.Addrs[i], raw)
	}
	for _, line := range optionLines(o, protected, chip) {
		fmt.Fprintf(e.stdout, "  %s\n", line)
	}
	return err
}

// optionLines describes decoded option bytes: the family's fields where
// softdfu knows them, the read protection and the write-protected units.
func optionLines(o *board.OptionBytes, protected []int, chip *part.Chip) []string {
	prot := o.Protection()
	var lines []string
	if len(o.Blocks) > 0 {
		for _, line := range strings.Split(o.Blocks[0].Describe(), "\n") {
			if !strings.HasPrefix(line, "nWRP") || len(o.Blocks) == 1 {
				lines = append(lines, line)
			}
		}
		if len(o.Blocks) == 1 && o.Blocks[0].Layout == optionbytes.F4 {
			return lines
		}
	} else if prot.HasRDP {
		lines = append(lines, fmt.Sprintf("RDP 0x%02x: read protection level %d (%s: softdfu shows its protection, it does not change %s option bytes)", prot.RDP, prot.Level, chip.Family.Name, chip.Family.Name))
	}
	unit := chip.Family.EraseUnit
	switch {
	case len(protected) > 0:
		lines = append(lines, fmt.Sprintf("write-protected %ss: %s", unit, strings.TrimPrefix(indexText(protected), "sector ")))
	case prot.Unknown == "":
		lines = append(lines, fmt.Sprintf("write-protected %ss: none", unit))
	}
	if prot.Unknown != "" {
		lines = append(lines, "write protection: "+prot.Unknown)
	}
	return lines
}
