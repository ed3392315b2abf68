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
	protect, unprotect   string
	yes, permanentlyLock bool
	risk                 riskFlags
	resetTimeout         time.Duration
	change               board.OptionChange
}

func (f *optFlags) changes() bool {
	return f.rdp != "" || f.user != "" || f.nwrp != "" || f.protect != "" || f.unprotect != ""
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
write-protected sectors (nWRP). Layout from RM0090 section 3.7.1.

With --rdp, --user, --nwrp, --write-protect or --write-unprotect, write the
changed block (with --yes). The ROM resets the chip after an option-byte
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
	fs.StringVar(&f.user, "user", "", "the USER option byte (bits: 7 nRST_STDBY, 6 nRST_STOP, 5 WDG_SW, 3:2 BOR_LEV)")
	fs.StringVar(&f.nwrp, "nwrp", "", "the raw 16-bit nWRP word of bank 1 (a clear bit write-protects a sector)")
	fs.StringVar(&f.protect, "write-protect", "", "write-protect these sectors: 0,2,4-6")
	fs.StringVar(&f.unprotect, "write-unprotect", "", "remove write protection from these sectors: 0,2,4-6")
	fs.BoolVar(&f.yes, "yes", false, "really write the option bytes (the chip resets)")
	fs.BoolVar(&f.risk.freezeBoot, "freeze-boot-sector", false, "allow write-protecting the sector with the vector table: the application's start can then not be updated until it is unprotected")
	fs.BoolVar(&f.risk.watchdog, "watchdog-always-on", false, "allow clearing WDG_SW: the watchdog runs from every reset and resets a chip whose firmware does not refresh it")
	fs.BoolVar(&f.risk.brownout, "brownout-reset", false, "allow raising the BOR level: below its voltage the chip stays in reset")
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
	if cur.Blocks[0].Level() == 1 && want[0].Level() == 0 {
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
	addrs, blocks, views := o.Addrs, o.Blocks, o.View(chip, layout.All())
	protected := []int{}
	for _, v := range views {
		protected = append(protected, v.Protected...)
	}
	b0 := blocks[0]
	doc := map[string]any{
		"rdp": fmt.Sprintf("0x%02x", b0.RDP), "rdp_level": b0.Level(), "user": fmt.Sprintf("0x%02x", b0.User),
		"bor_level": b0.BORLevel(), "write_protected_sectors": protected,
	}
	decoded := views[0].Decoded
	if !decoded {
		// Only the RDP byte of this family's option bytes is decoded.
		doc = map[string]any{"rdp": fmt.Sprintf("0x%02x", views[0].RDP), "rdp_level": views[0].Level}
	}
	var raws []map[string]string
	for i, b := range blocks {
		raws = append(raws, map[string]string{"address": fmt.Sprintf("0x%08x", addrs[i]), "raw": fmt.Sprintf("% x", b.Raw), "nwrp": fmt.Sprintf("0x%04x", b.NWRP)})
	}
	doc["blocks"] = raws
	if e.json {
		e.result(path, err, doc)
		return err
	}
	fmt.Fprintf(e.stdout, "option bytes of %s:\n", path)
	for i, b := range blocks {
		fmt.Fprintf(e.stdout, "  at 0x%08x: % x\n", addrs[i], b.Raw)
	}
	if !decoded {
		fmt.Fprintf(e.stdout, "  RDP %s: read protection level %d (%s: the other option bytes are not decoded)\n", doc["rdp"], doc["rdp_level"], chip.Family.Name)
		return err
	}
	for _, line := range strings.Split(b0.Describe(), "\n") {
		if strings.HasPrefix(line, "nWRP") && len(blocks) > 1 {
			continue
		}
		fmt.Fprintf(e.stdout, "  %s\n", line)
	}
	if len(blocks) > 1 {
		if len(protected) == 0 {
			fmt.Fprintf(e.stdout, "  write-protected sectors: none\n")
		} else {
			fmt.Fprintf(e.stdout, "  write-protected sectors: %s\n", strings.TrimPrefix(indexText(protected), "sector "))
		}
	}
	return err
}
