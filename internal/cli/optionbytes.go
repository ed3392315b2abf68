package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
)

const rdp2Warning = `RDP level 2 LOCKS THE CHIP FOREVER. It can never be undone: not by softdfu,
not by ST's tools, not by a debugger, not by anyone. The ROM bootloader and
the debug port are disabled for good and the option bytes can never be
changed again. Only firmware already on the chip will ever run on it.`

// optFlags are the changes option-bytes can make.
type optFlags struct {
	rdp, user, nwrp            string
	protect, unprotect         string
	yes, permanentlyLock       bool
	resetTimeout               time.Duration
	rdpSet, userSet, nwrpSet   bool
	rdpVal, userVal            byte
	nwrpVal                    uint16
	protectList, unprotectList []int
}

func (f *optFlags) changes() bool {
	return f.rdp != "" || f.user != "" || f.nwrp != "" || f.protect != "" || f.unprotect != ""
}

// parse checks the flags; it refuses RDP level 2 without
// --permanently-lock before anything is opened.
func (f *optFlags) parse() error {
	switch f.rdp {
	case "":
	case "0":
		f.rdpSet, f.rdpVal = true, optionbytes.RDPLevel0
	case "1":
		f.rdpSet, f.rdpVal = true, 0xBB // any value but 0xAA and 0xCC; ST's tools use 0xBB
	case "2":
		if !f.permanentlyLock {
			return usageError("refusing --rdp 2 without --permanently-lock.\n%s", rdp2Warning)
		}
		f.rdpSet, f.rdpVal = true, optionbytes.RDPLevel2
	default:
		return usageError("--rdp %q: give 0 (no protection), 1 (read protection, removable with a mass erase) or 2 (permanent lock)", f.rdp)
	}
	if f.permanentlyLock && f.rdpVal != optionbytes.RDPLevel2 {
		return usageError("--permanently-lock goes only with --rdp 2")
	}
	if f.user != "" {
		v, err := strconv.ParseUint(f.user, 0, 8)
		if err != nil {
			return usageError("--user %q: give the USER option byte, for example 0xef", f.user)
		}
		f.userSet, f.userVal = true, byte(v)
	}
	if f.nwrp != "" {
		v, err := strconv.ParseUint(f.nwrp, 0, 16)
		if err != nil {
			return usageError("--nwrp %q: give the 16-bit nWRP word of bank 1, for example 0x0fff (a clear bit protects a sector)", f.nwrp)
		}
		f.nwrpSet, f.nwrpVal = true, uint16(v)
	}
	var err error
	if f.protect != "" {
		if f.protectList, err = parseIndexList("write-protect", f.protect); err != nil {
			return err
		}
	}
	if f.unprotect != "" {
		if f.unprotectList, err = parseIndexList("write-unprotect", f.unprotect); err != nil {
			return err
		}
	}
	return nil
}

// apply returns the new blocks (one per bank) for the current ones. Sector
// numbers index the sectors of layout (internal flash), whose nWRP bits
// the chip database finds: on dual-bank parts bank 2 starts again at bit 0 in the
// second block (RM0090 3.7.1, table 17).
func (f *optFlags) apply(cur []optionbytes.Block, layout dfu.Layout) ([]optionbytes.Block, error) {
	out := append([]optionbytes.Block(nil), cur...)
	if f.rdpSet {
		out[0].RDP = f.rdpVal
	}
	if f.userSet {
		out[0].User = f.userVal
	}
	if f.nwrpSet {
		out[0].NWRP = f.nwrpVal
	}
	for _, l := range []struct {
		list    []int
		protect bool
	}{{f.protectList, true}, {f.unprotectList, false}} {
		secs := layout.All()
		chip, _ := update.Chip(usb.DeviceDescriptor{}, layout)
		for _, s := range l.list {
			if s >= len(secs) {
				return nil, usageError("sector %d: this board has sectors 0-%d (softdfu info shows them)", s, len(secs)-1)
			}
			bank, bit := chip.WRPBit(secs[s].Address)
			if bank < 0 || bank >= len(out) {
				return nil, usageError("sector %d: no option-byte block of this board holds its protection bit", s)
			}
			if l.protect {
				out[bank].NWRP &^= 1 << bit
			} else {
				out[bank].NWRP |= 1 << bit
			}
		}
	}
	return out, nil
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
            --permanently-lock is given as well`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			if err := f.parse(); err != nil {
				return err
			}
			if f.changes() && !f.yes {
				return usageError("changing option bytes resets the chip (and --rdp 0 from level 1 mass-erases the flash): run again with --yes")
			}
			s, err := e.openSession(ctx, &sel, "option-bytes", nil)
			if err != nil {
				return err
			}
			flashLayout := s.conn.Layout()
			addrs, cur, err := readOptionBytes(ctx, s)
			if err != nil {
				s.close()
				return err
			}
			if !f.changes() {
				s.close()
				return e.showOptionBytes(s.board.Path, addrs, cur, nil, flashLayout)
			}
			want, err := f.apply(cur, flashLayout)
			if err != nil {
				s.close()
				return err
			}
			if want[0].RDP == optionbytes.RDPLevel2 {
				e.warn("%s", rdp2Warning)
			}
			if cur[0].Level() == 1 && want[0].Level() == 0 {
				e.warn("%s: leaving read protection level 1: the chip mass-erases its flash", s.board.Path)
			}
			path, host := s.board.Path, s.host
			old := s.board.Address
			back := func(b board) bool { return inDFU(b) && b.Address != old }
			for i := range want {
				if string(want[i].Encode()) == string(cur[i].Raw[:]) {
					continue
				}
				if s == nil {
					b, err := e.followReset(ctx, host, path, f.resetTimeout, back)
					if err != nil {
						return err
					}
					if b == nil {
						return timeoutError("%s did not come back in the ROM bootloader within %v after the option-byte write: hold BOOT0 high and reset, then run softdfu option-bytes again", path, f.resetTimeout)
					}
					if s, err = e.openBoard(ctx, host, *b, nil); err != nil {
						return err
					}
					if _, err := s.selectAlt(ctx, "Option Bytes"); err != nil {
						s.close()
						return err
					}
				}
				e.say("%s: writing option bytes at 0x%08x: %s", path, addrs[i], describeChange(cur[i], want[i], i))
				old = s.board.Address
				chip, _ := update.Chip(s.board.info.Descriptors.Device, flashLayout)
				if err := chip.CheckOptionWrite(addrs[i], want[i].Encode(), f.permanentlyLock); err != nil {
					s.close()
					return err
				}
				reset, err := s.conn.WriteOptionBytes(ctx, addrs[i], want[i].Encode())
				s.close()
				s = nil
				if err != nil {
					e.result(path, err, nil)
					return err
				}
				if !reset {
					e.say("%s: the board did not reset after the write (unexpected for an STM32F4 ROM)", path)
				}
			}
			if s != nil {
				s.close()
				e.say("%s: nothing to change", path)
				return e.showOptionBytes(path, addrs, cur, nil, flashLayout)
			}
			b, err := e.followReset(ctx, host, path, f.resetTimeout, back)
			if err != nil {
				return err
			}
			if b == nil {
				e.result(path, nil, map[string]any{"written": true, "back": false})
				e.say("%s: option bytes written; the board did not come back in the ROM bootloader within %v (it may run its application: softdfu info shows the values once it is in the bootloader again)", path, f.resetTimeout)
				return nil
			}
			s, err = e.openBoard(ctx, host, *b, nil)
			if err != nil {
				return err
			}
			defer s.close()
			addrs, now, err := readOptionBytes(ctx, s)
			if err != nil {
				return err
			}
			e.say("%s: the board reset and is back in the ROM bootloader; the option bytes now:", path)
			return e.showOptionBytes(path, addrs, now, want, flashLayout)
		},
	}
	sel.flags(c.Flags())
	fs := c.Flags()
	fs.StringVar(&f.rdp, "rdp", "", "read protection level: 0, 1 or 2 (2 needs --permanently-lock)")
	fs.BoolVar(&f.permanentlyLock, "permanently-lock", false, "with --rdp 2: lock the chip FOREVER; this can never be undone")
	fs.StringVar(&f.user, "user", "", "the USER option byte (bits: 7 nRST_STDBY, 6 nRST_STOP, 5 WDG_SW, 3:2 BOR_LEV)")
	fs.StringVar(&f.nwrp, "nwrp", "", "the raw 16-bit nWRP word of bank 1 (a clear bit write-protects a sector)")
	fs.StringVar(&f.protect, "write-protect", "", "write-protect these sectors: 0,2,4-6")
	fs.StringVar(&f.unprotect, "write-unprotect", "", "remove write protection from these sectors: 0,2,4-6")
	fs.BoolVar(&f.yes, "yes", false, "really write the option bytes (the chip resets)")
	fs.DurationVar(&f.resetTimeout, "reset-timeout", 5*time.Second, "how long to wait for the board to come back after the write")
	return c
}

// readOptionBytes selects the option-byte alternate setting and reads
// every block.
func readOptionBytes(ctx context.Context, s *session) ([]uint32, []optionbytes.Block, error) {
	l, err := s.selectAlt(ctx, "Option Bytes")
	if err != nil {
		return nil, nil, err
	}
	var addrs []uint32
	var out []optionbytes.Block
	for _, r := range l.Regions {
		raw, err := s.conn.Upload(ctx, r.Address, optionbytes.Size, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("reading option bytes at 0x%08x: %w", r.Address, err)
		}
		x, err := optionbytes.Decode(raw)
		if err != nil {
			return nil, nil, err
		}
		addrs, out = append(addrs, r.Address), append(out, x)
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("%s: the option-byte memory map is empty", s.board.Path)
	}
	return addrs, out, nil
}

// describeChange says what a write changes in a block.
func describeChange(from, to optionbytes.Block, bank int) string {
	var parts []string
	if bank == 0 && from.RDP != to.RDP {
		parts = append(parts, fmt.Sprintf("RDP 0x%02x -> 0x%02x (level %d -> %d)", from.RDP, to.RDP, from.Level(), to.Level()))
	}
	if bank == 0 && from.User != to.User {
		parts = append(parts, fmt.Sprintf("USER 0x%02x -> 0x%02x", from.User, to.User))
	}
	if from.NWRP != to.NWRP {
		parts = append(parts, fmt.Sprintf("nWRP 0x%04x -> 0x%04x", from.NWRP, to.NWRP))
	}
	return strings.Join(parts, ", ")
}

// showOptionBytes prints the blocks (and, with want, whether the board
// took the values asked for).
func (e *env) showOptionBytes(path string, addrs []uint32, blocks, want []optionbytes.Block, layout dfu.Layout) error {
	var protected []int
	chip, _ := update.Chip(usb.DeviceDescriptor{}, layout)
	for i, sec := range layout.All() {
		if bank, bit := chip.WRPBit(sec.Address); bank >= 0 && bank < len(blocks) && blocks[bank].NWRP&(1<<bit) == 0 {
			protected = append(protected, i)
		}
	}
	if protected == nil {
		protected = []int{}
	}
	b0 := blocks[0]
	doc := map[string]any{
		"rdp": fmt.Sprintf("0x%02x", b0.RDP), "rdp_level": b0.Level(), "user": fmt.Sprintf("0x%02x", b0.User),
		"bor_level": b0.BORLevel(), "write_protected_sectors": protected,
	}
	var raws []map[string]string
	for i, b := range blocks {
		raws = append(raws, map[string]string{"address": fmt.Sprintf("0x%08x", addrs[i]), "raw": fmt.Sprintf("% x", b.Raw), "nwrp": fmt.Sprintf("0x%04x", b.NWRP)})
	}
	doc["blocks"] = raws
	var err error
	for i := range want {
		if i < len(blocks) && (blocks[i].NWRP != want[i].NWRP || (i == 0 && (blocks[i].RDP != want[i].RDP || blocks[i].User != want[i].User))) {
			err = fmt.Errorf("%s: the option bytes read back differ from what was written (block at 0x%08x: %s); the ROM may have refused the change", path, addrs[i], describeChange(want[i], blocks[i], i))
		}
	}
	if e.json {
		e.result(path, err, doc)
		return err
	}
	fmt.Fprintf(e.stdout, "option bytes of %s:\n", path)
	for i, b := range blocks {
		fmt.Fprintf(e.stdout, "  at 0x%08x: % x\n", addrs[i], b.Raw)
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
