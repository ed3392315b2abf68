package board

import (
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// Risk is an option-byte change whose consequence reaches beyond the
// chip's reset, which a caller accepts by name (Risks).
type Risk int

// The risks CheckOptionChange refuses unless accepted, and the changes
// it always refuses (Reserved: reserved USER bits; ReservedNWRP: nWRP
// bits that protect no sector). MoveBootAddress, ChangeBankMode and
// DualBoot are STM32F7's (BOOT_ADD0/BOOT_ADD1, nDBANK, nDBOOT).
const (
	FreezeBoot Risk = iota + 1
	WatchdogAlwaysOn
	BrownoutReset
	Reserved
	ReservedNWRP
	MoveBootAddress
	ChangeBankMode
	DualBoot
)

// Risks are the risks a caller accepts.
type Risks struct {
	FreezeBoot, WatchdogAlwaysOn, BrownoutReset bool
	// STM32F7.
	MoveBootAddress, ChangeBankMode, DualBoot bool
}

// RiskError is an option-byte change CheckOptionChange refuses. Its
// fields say what the change is; Error says it in library terms.
type RiskError struct {
	Risk Risk
	// Sector and Address: FreezeBoot, the sector that holds the vector
	// table.
	Sector  int
	Address uint32
	// From and To: the USER bytes (WatchdogAlwaysOn, BrownoutReset,
	// Reserved), the nWRP words (ReservedNWRP, ChangeBankMode, DualBoot)
	// of Block, or the BOOT_ADDx values (MoveBootAddress, Block = x).
	From, To uint16
	// Mask: the reserved bits the change touches (Reserved: all of them;
	// ReservedNWRP: those it changes).
	Mask  uint16
	Block int
	// FromBOR and ToBOR: BrownoutReset, the thresholds as RM0090 names
	// them.
	FromBOR, ToBOR string
	// Watchdog: WatchdogAlwaysOn, the bit cleared ("" for the F4's
	// WDG_SW; "IWDG_SW" or "WWDG_SW" on STM32F7).
	Watchdog string
	// InFlash: MoveBootAddress, whether To boots internal flash.
	InFlash bool
}

// Kind is Usage: the change was refused before anything was written.
func (e *RiskError) Kind() Kind { return Usage }

// Keep is the USER byte asked for with the reserved bits kept as the board
// has them (Reserved).
func (e *RiskError) Keep() uint16 { return e.To&^e.Mask | e.From&e.Mask }

// Consequence says what the change would do, without the change itself.
func (e *RiskError) Consequence() string {
	switch e.Risk {
	case FreezeBoot:
		return fmt.Sprintf("write-protecting sector %d, which holds the vector table at 0x%08x, freezes the start of the application: no DFU update (softdfu's or any tool's) can change it until the protection is removed again", e.Sector, e.Address)
	case WatchdogAlwaysOn:
		switch e.Watchdog {
		case "IWDG_SW":
			return "clears IWDG_SW: the independent watchdog then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until IWDG_SW is set again"
		case "WWDG_SW":
			return "clears WWDG_SW: the window watchdog then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until WWDG_SW is set again"
		}
		return "clears WDG_SW: the independent watchdog then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until WDG_SW is set again"
	case BrownoutReset:
		return fmt.Sprintf("raises the brown-out reset threshold from %s to %s: below that supply voltage the chip is held in reset and starts nothing, the ROM bootloader included", e.FromBOR, e.ToBOR)
	case Reserved:
		return fmt.Sprintf("changes reserved USER bits (mask 0x%02x): keep them as the board has them (0x%02x)", e.Mask, e.From&e.Mask)
	case MoveBootAddress:
		return e.bootConsequence()
	case ChangeBankMode:
		mode := "two banks of 128 KB sectors (nDBANK = 0)"
		if e.To&optionbytes.F7NDBANK != 0 {
			mode = "one bank of 256 KB sectors (nDBANK = 1)"
		}
		return fmt.Sprintf("changing nDBANK makes the flash %s: every sector number and size changes, firmware linked for the other mode no longer fits its sectors, and the ROM shows another memory map after the reset", mode)
	case DualBoot:
		return "clearing nDBOOT turns on dual boot (RM0410, FLASH_OPTCR nDBOOT): in dual-bank mode the chip may then start from bank 2 instead of bank 1"
	}
	return fmt.Sprintf("the nWRP word of block %d would change bits 0x%04x that protect no sector of this board (reserved, or SPRMOD/DB1M on dual-bank parts, which change what the other bits mean): keep them as they are (nWRP now 0x%04x)", e.Block, e.Mask, e.From)
}

func (e *RiskError) bootConsequence() string {
	to := optionbytes.BootAddress(e.To)
	if e.Block == 1 && e.To != optionbytes.F7BootSystem {
		return fmt.Sprintf("BOOT_ADD1 0x%04x makes BOOT0 high start 0x%08x instead of the ROM bootloader (0x%04x, 0x%08x): holding BOOT0 high then no longer reaches DFU, only firmware can enter it", e.To, to, optionbytes.F7BootSystem, optionbytes.BootAddress(optionbytes.F7BootSystem))
	}
	where := "not internal flash: the application there no longer starts"
	if e.InFlash {
		where = "internal flash"
	}
	return fmt.Sprintf("BOOT_ADD%d 0x%04x -> 0x%04x moves where the chip starts with BOOT0 %s to 0x%08x (%s)", e.Block, e.From, e.To, map[int]string{0: "low", 1: "high"}[e.Block], to, where)
}

func (e *RiskError) Error() string {
	switch e.Risk {
	case FreezeBoot, ReservedNWRP, MoveBootAddress, ChangeBankMode, DualBoot:
		return e.Consequence()
	case Reserved:
		return fmt.Sprintf("USER 0x%02x %s, for example USER 0x%02x", e.To, e.Consequence(), e.Keep())
	}
	return fmt.Sprintf("USER 0x%02x %s", e.To, e.Consequence())
}

// CheckOptionChange refuses, before anything is written, the option-byte
// changes from cur to want whose consequence reaches beyond the reset
// unless r accepts it, and changes to reserved bits; the error is a
// *RiskError. layout is the board's flash (its first sector holds the
// vector table), chip says which nWRP bit protects which sector. A chip
// whose option bytes softdfu does not write is refused (NotChangeable).
func CheckOptionChange(cur, want []optionbytes.Block, layout dfu.Layout, chip *part.Chip, r Risks) error {
	if chip != nil {
		if err := NotChangeable(chip, "this board"); err != nil {
			return err
		}
	}
	if len(cur) == 0 || len(want) != len(cur) {
		return Errorf(Usage, "the change has %d option-byte blocks, the board %d", len(want), len(cur))
	}
	secs := layout.All()
	if len(secs) > 0 && chip != nil {
		bank, bit := chip.WRPBit(secs[0].Address)
		if bank >= 0 && bank < len(want) {
			was, will := cur[bank].NWRP&(1<<bit) == 0, want[bank].NWRP&(1<<bit) == 0
			if will && !was && !r.FreezeBoot {
				return &RiskError{Risk: FreezeBoot, Sector: secs[0].Index, Address: secs[0].Address}
			}
		}
	}
	if err := checkUser(cur, want, r); err != nil {
		return err
	}
	for i := range want {
		if err := checkWRPWord(cur[i], want[i], i, secs, chip, r); err != nil {
			return err
		}
	}
	return checkBootAdd(cur[0], want[0], chip, r)
}

// checkUser checks the USER byte: reserved bits, the watchdogs, BOR.
func checkUser(cur, want []optionbytes.Block, r Risks) error {
	o, n := cur[0].User, want[0].User
	reserved := byte(optionbytes.UserReserved)
	if cur[0].Layout == optionbytes.F4 && len(want) < 2 {
		reserved |= optionbytes.UserBFB2
	}
	watchdogs := []struct {
		bit  byte
		name string
	}{{optionbytes.UserWDGSW, ""}}
	if cur[0].Layout == optionbytes.F7 {
		watchdogs = []struct {
			bit  byte
			name string
		}{{optionbytes.F7IWDGSW, "IWDG_SW"}, {optionbytes.F7WWDGSW, "WWDG_SW"}}
	}
	user := &RiskError{From: uint16(o), To: uint16(n)}
	switch {
	case (o^n)&reserved != 0:
		user.Risk, user.Mask = Reserved, uint16(reserved)
	case n&optionbytes.UserBOR>>2 < o&optionbytes.UserBOR>>2 && !r.BrownoutReset:
		user.Risk, user.FromBOR, user.ToBOR = BrownoutReset, cur[0].BORLevel(), want[0].BORLevel()
	}
	for _, w := range watchdogs {
		if user.Risk == 0 && o&w.bit != 0 && n&w.bit == 0 && !r.WatchdogAlwaysOn {
			user.Risk, user.Watchdog = WatchdogAlwaysOn, w.name
		}
	}
	if user.Risk != 0 {
		return user
	}
	return nil
}

// checkWRPWord refuses changes to bits of block i's word at offset 8 that
// protect no sector, unless they are options the layout knows (STM32F7:
// the IWDG freeze bits freely, nDBANK and nDBOOT with their risks).
func checkWRPWord(cur, want optionbytes.Block, i int, secs []dfu.Sector, chip *part.Chip, r Risks) error {
	used := uint16(0)
	for _, s := range secs {
		if bank, bit := chip.WRPBit(s.Address); bank == i && bit >= 0 {
			used |= 1 << bit
		}
	}
	d := (cur.NWRP ^ want.NWRP) &^ used
	if cur.Layout == optionbytes.F7 {
		d &^= optionbytes.F7IWDGStop | optionbytes.F7IWDGStdby
		if chip.HasBankOptions() {
			bank := &RiskError{Block: i + 1, From: cur.NWRP, To: want.NWRP}
			switch {
			case d&optionbytes.F7NDBANK != 0 && !r.ChangeBankMode:
				bank.Risk = ChangeBankMode
			case cur.NWRP&optionbytes.F7NDBOOT != 0 && want.NWRP&optionbytes.F7NDBOOT == 0 && !r.DualBoot:
				bank.Risk = DualBoot
			}
			if bank.Risk != 0 {
				return bank
			}
			d &^= optionbytes.F7NDBANK | optionbytes.F7NDBOOT
		}
	}
	if d != 0 {
		return &RiskError{Risk: ReservedNWRP, Block: i + 1, Mask: d, From: cur.NWRP, To: want.NWRP}
	}
	return nil
}

// checkBootAdd refuses a change of STM32F7's BOOT_ADD0 or BOOT_ADD1 unless
// accepted.
func checkBootAdd(cur, want optionbytes.Block, chip *part.Chip, r Risks) error {
	if cur.Layout != optionbytes.F7 || cur.BootAdd == want.BootAdd || r.MoveBootAddress {
		return nil
	}
	for _, i := range []int{1, 0} {
		v := want.BootAdd[i]
		if v == cur.BootAdd[i] {
			continue
		}
		a, flash := optionbytes.BootAddress(v), chip.FlashRange()
		// Flash on the AXIM bus (0x08000000) or on the ITCM bus
		// (0x00200000) (RM0410 memory map).
		in := flash.Contains(a) || (a >= 0x00200000 && uint64(a) < 0x00200000+uint64(flash.Size))
		return &RiskError{Risk: MoveBootAddress, Block: i, From: cur.BootAdd[i], To: v, InFlash: in}
	}
	return nil
}
