package board

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// OptionBytes are the option-byte blocks of a board (one per bank) and
// the addresses they were read at.
type OptionBytes struct {
	Addrs []uint32
	// Raw are the blocks as read, up to the family's block size (at most
	// maxOptionRead bytes each).
	Raw [][]byte
	// Blocks are the decoded blocks on the families whose option bytes
	// softdfu changes (part.Options.Changeable); nil on the others.
	Blocks []optionbytes.Block
	// Chip is the chip the blocks were decoded for.
	Chip *part.Chip
}

// maxOptionRead bounds how much of an option-byte area is read: the
// AT32F43x shows 4096 bytes, of which only the first few are decoded.
const maxOptionRead = 128

// Protection decodes read and write protection for the board's family.
func (o *OptionBytes) Protection() part.Protection { return o.Chip.Protection(o.Raw) }

// Level returns the read protection level.
func (o *OptionBytes) Level() int { return o.Protection().Level }

// Protected returns the sectors among secs (of chip's internal flash)
// whose write protection is set, as far as the family's layout is known
// (part.Chip.Protection).
func (o *OptionBytes) Protected(chip *part.Chip, secs []dfu.Sector) []dfu.Sector {
	if o == nil {
		return nil
	}
	prot := chip.Protection(o.Raw).Protected
	var out []dfu.Sector
	for _, s := range secs {
		for _, u := range prot {
			if u.Address == s.Address {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// codec returns the optionbytes layout of a chip whose option bytes
// softdfu changes.
func codec(chip *part.Chip) (optionbytes.Layout, bool) {
	switch chip.Family.Options.Layout {
	case part.OptionsF4:
		return optionbytes.F4, true
	case part.OptionsF7:
		return optionbytes.F7, true
	}
	return 0, false
}

// NotChangeable returns the error for a change to the option bytes of a
// chip whose layout softdfu does not write; nil for one it does.
func NotChangeable(chip *part.Chip, path string) error {
	if _, ok := codec(chip); ok {
		return nil
	}
	return Errorf(Guard, "%s is %s: softdfu changes option bytes only on %s, whose layouts it knows; it shows %s's read protection and, where the layout is known, its write protection, but writes none of them. Nothing was written: change them with STM32CubeProgrammer (for example STM32_Programmer_CLI -c port=usb1 -ob displ, then -ob RDP=... or WRP1A_STRT=...) or the chip vendor's tool", path, chip.Name, part.ChangeableFamilies(), chip.Family.Name)
}

// readBlocks reads the option-byte block of every region of the selected
// alternate setting, as much of each as the layout string gives it (at
// most maxOptionRead bytes); decode makes sense of them.
func readBlocks(ctx context.Context, conn *dfu.Conn, path string) (*OptionBytes, error) {
	o := &OptionBytes{}
	for _, r := range conn.Layout().Regions {
		n := optionbytes.Size
		if len(r.Sectors) > 0 {
			n = int(min(r.Sectors[0].Size, maxOptionRead))
		}
		raw, err := conn.Upload(ctx, r.Address, n, nil)
		if err != nil {
			return nil, fmt.Errorf("reading the option bytes at 0x%08x: %w", r.Address, readError(err))
		}
		o.Addrs, o.Raw = append(o.Addrs, r.Address), append(o.Raw, raw)
	}
	if len(o.Raw) == 0 {
		return nil, fmt.Errorf("%s: the option-byte memory map is empty", path)
	}
	return o, nil
}

// decode decodes the blocks read for chip: Blocks on the families whose
// option bytes softdfu changes, the raw bytes only on the others.
func (o *OptionBytes) decode(chip *part.Chip, path string) error {
	o.Chip, o.Blocks = chip, nil
	lay, changeable := codec(chip)
	if !changeable {
		return nil
	}
	for _, raw := range o.Raw {
		blk, err := optionbytes.DecodeAs(lay, raw)
		if err != nil {
			return fmt.Errorf("%s: %w (is the board the %s it looks like?)", path, err, chip.Name)
		}
		o.Blocks = append(o.Blocks, blk)
	}
	return nil
}

// OptionBytes selects the option-byte alternate setting and reads every
// block. The session stays on that alternate setting.
func (s *Session) OptionBytes(ctx context.Context) (*OptionBytes, error) {
	if _, err := s.SelectAlt(ctx, "Option Bytes"); err != nil {
		return nil, err
	}
	o, err := readBlocks(ctx, s.conn, s.Board.Path)
	if err != nil {
		return nil, err
	}
	// The option-byte string, now seen, tells an STM32F767 in dual-bank
	// mode from a 2 MB STM32F429 with the same sectors.
	chip, _ := s.Chip()
	return o, o.decode(chip, s.Board.Path)
}

// OptionBytesThenFlash reads the option bytes when the session was opened
// on alternate setting 1 (Options.Alt), then selects internal flash (alt
// 0) with one abort instead of a recovery: the cheapest way a job that
// writes flash learns the protection first. The blocks are decoded once
// the flash layout is known (the layout depends on the chip). On another
// alternate setting it reads nothing and returns nil.
func (s *Session) OptionBytesThenFlash(ctx context.Context) (*OptionBytes, error) {
	if s.conn.Alt() != 1 {
		return nil, nil
	}
	o, rerr := readBlocks(ctx, s.conn, s.Board.Path)
	if rerr == nil {
		if err := s.conn.Abort(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.conn.SelectAlt(ctx, 0); err != nil {
		return nil, err
	}
	s.noteFlash()
	if rerr != nil {
		return nil, rerr
	}
	chip, _ := s.Chip()
	return o, o.decode(chip, s.Board.Path)
}

// Change describes what writing block to over block from changes (bank 0
// holds RDP and USER).
func Change(from, to optionbytes.Block, bank int) string {
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
	for i := range from.BootAdd {
		if from.BootAdd[i] != to.BootAdd[i] {
			parts = append(parts, fmt.Sprintf("BOOT_ADD%d 0x%04x -> 0x%04x", i, from.BootAdd[i], to.BootAdd[i]))
		}
	}
	return strings.Join(parts, ", ")
}

// Written is what WriteOptionBytes did.
type Written struct {
	// Blocks counts the blocks written (0: nothing to change).
	Blocks int
	// Now are the option bytes read back after the last reset; nil when
	// the board did not come back in the ROM bootloader in time.
	Now *OptionBytes
	// Mismatch, when set, says the values read back differ from those
	// written (the ROM may have refused the change).
	Mismatch error
}

// WriteOptions tune WriteOptionBytes.
type WriteOptions struct {
	// Timeout bounds each wait for the board after its reset.
	Timeout time.Duration
	// PermanentLock allows read protection level 2, which locks the chip
	// forever (the chip database refuses it otherwise).
	PermanentLock bool
	// Events receives OptionWrite and NoReset.
	Events func(Event)
}

// WriteOptionBytes writes every block of want that differs from cur
// (read by OptionBytes); every block is checked by the chip database
// before the first is written, so a refusal leaves the board untouched.
// The ROM resets the chip after each write, and the board is followed on
// its port for up to o.Timeout each time, then read again. The session is
// closed when it returns.
func (s *Session) WriteOptionBytes(ctx context.Context, cur *OptionBytes, want []optionbytes.Block, o WriteOptions) (*Written, error) {
	timeout, events := o.Timeout, o.Events
	chip, _ := s.Chip()
	out := &Written{}
	defer func() { s.Close() }()
	if err := checkOptionWrites(s.Board.Path, chip, cur, want, o.PermanentLock); err != nil {
		return out, err
	}
	for i := range want {
		if string(want[i].Encode()) == string(cur.Blocks[i].Raw) {
			continue
		}
		if out.Blocks > 0 {
			next, err := s.Reopen(ctx, timeout)
			if err != nil {
				return out, err
			}
			if next == nil {
				return out, Errorf(Timeout, "%s did not come back in the ROM bootloader within %v after the option-byte write: hold BOOT0 high and reset, then read the option bytes again", s.Board.Path, timeout)
			}
			s = next
			if _, err := s.SelectAlt(ctx, "Option Bytes"); err != nil {
				return out, err
			}
		}
		data := want[i].Encode()
		emit(events, OptionWrite{Address: cur.Addrs[i], Bank: i, From: cur.Blocks[i], To: want[i]})
		reset, err := s.conn.WriteOptionBytes(ctx, cur.Addrs[i], data)
		if err != nil {
			return out, err
		}
		out.Blocks++
		if !reset {
			emit(events, NoReset{})
		}
	}
	if out.Blocks == 0 {
		return out, nil
	}
	next, err := s.Reopen(ctx, timeout)
	if next == nil || err != nil {
		return out, err
	}
	s = next
	if out.Now, err = s.OptionBytes(ctx); err != nil {
		return out, err
	}
	out.Mismatch = mismatch(cur.Addrs, want, out.Now.Blocks, s.Board.Path)
	return out, nil
}

// checkOptionWrites checks a whole option-byte write before any block is
// written: the family's block layout, one wanted block per block read,
// and the chip database's rules (read protection level 2) on every block
// that changes.
func checkOptionWrites(path string, chip *part.Chip, cur *OptionBytes, want []optionbytes.Block, permanentLock bool) error {
	if err := NotChangeable(chip, path); err != nil {
		return err
	}
	if cur == nil || len(want) != len(cur.Blocks) || len(cur.Addrs) != len(cur.Blocks) {
		n := 0
		if cur != nil {
			n = len(cur.Blocks)
		}
		return Errorf(Usage, "%s: %d option-byte block(s) to write, but the board has %d (as read): read the option bytes of this board and change those; nothing was written", path, len(want), n)
	}
	for i := range want {
		data := want[i].Encode()
		if string(data) == string(cur.Blocks[i].Raw) {
			continue
		}
		if err := chip.CheckOptionWrite(cur.Addrs[i], data, permanentLock); err != nil {
			return WithKind(Guard, fmt.Errorf("%s: block at 0x%08x: %w; nothing was written", path, cur.Addrs[i], err))
		}
	}
	return nil
}

// mismatch compares the blocks read back with those written.
func mismatch(addrs []uint32, want, got []optionbytes.Block, path string) error {
	for i := range want {
		if i < len(got) && (got[i].NWRP != want[i].NWRP || got[i].BootAdd != want[i].BootAdd || (i == 0 && (got[i].RDP != want[i].RDP || got[i].User != want[i].User))) {
			return Errorf(Verify, "%s: the option bytes read back differ from what was written (block at 0x%08x: %s); the ROM may have refused the change", path, addrs[i], Change(want[i], got[i], i))
		}
	}
	return nil
}

// Unprotected is what Unprotect found and did.
type Unprotected struct {
	// Level is the read protection level the option bytes showed first.
	Level int
	// Sent is true when Read Unprotect was sent (only at level 1).
	Sent bool
	// Back is the board that came back after the reset (nil: none in
	// time, or nothing was sent).
	Back *Board
	// Checked is true when Back came back in DFU mode and was read:
	// LevelAfter is the read protection level its option bytes show and
	// Blank whether every flash sector reads back erased.
	Checked    bool
	LevelAfter int
	Blank      bool
}

// ErrPermanentLock: read protection level 2 can never be removed.
var ErrPermanentLock = Sentinel(Device, "the board is at read protection level 2, which is permanent: nothing can remove it")

// Unprotect removes read protection (RDP level 1 to 0). It reads the
// option bytes first: at level 0 there is nothing to remove and nothing
// is sent; at level 2 nothing can remove it. At level 1 the ROM
// mass-erases the flash and resets the chip; the board is followed on its
// port for up to timeout. The session is closed when it returns.
func (s *Session) Unprotect(ctx context.Context, timeout time.Duration, events func(Event)) (*Unprotected, error) {
	defer s.Close()
	ob, err := s.OptionBytes(ctx)
	if err != nil {
		return nil, err
	}
	u := &Unprotected{Level: ob.Level()}
	switch u.Level {
	case 0:
		return u, nil
	case 2:
		return u, ErrPermanentLock
	}
	emit(events, PhaseStarted{Phase: Unprotecting})
	if err := s.conn.ReadUnprotect(ctx); err != nil {
		return u, err
	}
	u.Sent = true
	emit(events, PhaseStarted{Phase: Resetting})
	back, err := s.FollowReset(ctx, timeout, nil)
	if back == nil || err != nil {
		return u, err
	}
	b := Describe(ctx, s.Host, *back)
	u.Back = &b
	if b.Mode != DFU {
		return u, nil
	}
	if err := s.checkUnprotected(ctx, *back, u); err != nil {
		return u, err
	}
	if u.LevelAfter != 0 {
		return u, ErrStillProtected
	}
	return u, nil
}

// ErrStillProtected: the board came back from Read Unprotect with its
// option bytes still showing read protection.
var ErrStillProtected = Sentinel(Device, "Read Unprotect was sent, but the option bytes still show read protection: it was not removed; reset the board and try again")

// checkUnprotected opens the board that came back in DFU mode after Read
// Unprotect and records what it shows: the RDP level and whether the
// flash reads back blank, so that a report says only what was observed.
func (s *Session) checkUnprotected(ctx context.Context, back usb.DeviceInfo, u *Unprotected) error {
	opts := s.opts
	opts.Alt = 1
	s2, err := Open(ctx, s.Host, back, &opts)
	if err != nil {
		return err
	}
	defer s2.Close()
	ob, err := s2.OptionBytesThenFlash(ctx)
	if err != nil {
		return err
	}
	if ob == nil {
		return fmt.Errorf("%s: the board came back without an option-byte alternate setting: its read protection cannot be read", back.Path)
	}
	u.LevelAfter = ob.Level()
	if u.LevelAfter != 0 {
		u.Checked = true
		return nil
	}
	_, all, err := s2.Flash()
	if err != nil {
		return err
	}
	err = s2.BlankCheck(ctx, all, nil)
	var nb *NotBlankError
	switch {
	case errors.As(err, &nb):
		u.Checked, u.Blank = true, false
		return nil
	case err != nil:
		return err
	}
	u.Checked, u.Blank = true, true
	return nil
}

// Leave tells the ROM to start the application (the vector table at jump;
// nil: where the ROM's address pointer is) and closes the session. Confirm
// then waits for the application.
func (s *Session) Leave(ctx context.Context, jump *uint32, events func(Event)) error {
	emit(events, PhaseStarted{Phase: Leaving})
	s.clock = s.Clock()
	err := s.conn.Leave(ctx, jump)
	s.gone = s.conn.LeftBus()
	s.Close()
	return err
}

// Confirm waits, after Leave, for up to timeout of the board's clock for
// the application on the board's port; nil means none appeared (normal for
// firmware without USB).
func (s *Session) Confirm(ctx context.Context, timeout time.Duration, events func(Event)) (*usb.DeviceInfo, error) {
	return WaitApp(ctx, s.Host, s.Board, s.clock, timeout, events)
}

// OptionChange is a change to a board's option bytes: the RDP, USER and
// bank-1 nWRP bytes when set, then sectors (numbered as in the flash
// layout) to write-protect and to unprotect.
type OptionChange struct {
	RDP, User          *byte
	NWRP               *uint16
	Protect, Unprotect []int
	// BootAdd are BOOT_ADD0 and BOOT_ADD1 (STM32F7 only).
	BootAdd [2]*uint16
}

// Apply returns the blocks (one per bank) the change makes of cur. The
// nWRP bit of each sector comes from the chip database: on dual-bank F4
// parts bank 2 starts again at bit 0 in the second block (RM0090 3.7.1,
// table 17); on a dual-bank STM32F76x one bit protects two sectors
// (part.Chip.WRPBit).
func (c OptionChange) Apply(cur []optionbytes.Block, layout dfu.Layout, chip *part.Chip) ([]optionbytes.Block, error) {
	out := append([]optionbytes.Block(nil), cur...)
	if len(out) == 0 {
		if err := NotChangeable(chip, "this board"); err != nil {
			return nil, err
		}
		return nil, Errorf(Usage, "the board shows no option-byte block to change")
	}
	if c.RDP != nil {
		out[0].RDP = *c.RDP
	}
	if c.User != nil {
		out[0].User = *c.User
	}
	if c.NWRP != nil {
		out[0].NWRP = *c.NWRP
	}
	for i, v := range c.BootAdd {
		if v == nil {
			continue
		}
		if out[0].Layout != optionbytes.F7 {
			return nil, Errorf(Usage, "BOOT_ADD%d exists on STM32F7 only; %s chooses its boot memory with BOOT0 (and BOOT1)", i, chip.Name)
		}
		out[0].BootAdd[i] = *v
	}
	secs := layout.All()
	for _, l := range []struct {
		list    []int
		protect bool
	}{{c.Protect, true}, {c.Unprotect, false}} {
		for _, s := range l.list {
			if s < 0 || s >= len(secs) {
				return nil, &BadSectorError{"sector", fmt.Sprint(s), fmt.Sprintf(": this board has sectors 0-%d", len(secs)-1)}
			}
			bank, bit := chip.WRPBit(secs[s].Address)
			if bank < 0 || bank >= len(out) {
				return nil, Errorf(Usage, "sector %d: no option-byte block of this board holds its protection bit", s)
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
