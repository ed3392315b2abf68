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
// bits that protect no sector).
const (
	FreezeBoot Risk = iota + 1
	WatchdogAlwaysOn
	BrownoutReset
	Reserved
	ReservedNWRP
)

// Risks are the risks a caller accepts.
type Risks struct {
	FreezeBoot, WatchdogAlwaysOn, BrownoutReset bool
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
	// Reserved), or the nWRP words (ReservedNWRP) of Block.
	From, To uint16
	// Mask: the reserved bits the change touches (Reserved: all of them;
	// ReservedNWRP: those it changes).
	Mask  uint16
	Block int
	// FromBOR and ToBOR: BrownoutReset, the thresholds as RM0090 names
	// them.
	FromBOR, ToBOR string
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
		return "clears WDG_SW: the independent watchdog then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until WDG_SW is set again"
	case BrownoutReset:
		return fmt.Sprintf("raises the brown-out reset threshold from %s to %s: below that supply voltage the chip is held in reset and starts nothing, the ROM bootloader included", e.FromBOR, e.ToBOR)
	case Reserved:
		return fmt.Sprintf("changes reserved USER bits (mask 0x%02x): keep them as the board has them (0x%02x)", e.Mask, e.From&e.Mask)
	}
	return fmt.Sprintf("the nWRP word of block %d would change bits 0x%04x that protect no sector of this board (reserved, or SPRMOD/DB1M on dual-bank parts, which change what the other bits mean): keep them as they are (nWRP now 0x%04x)", e.Block, e.Mask, e.From)
}

func (e *RiskError) Error() string {
	switch e.Risk {
	case FreezeBoot, ReservedNWRP:
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
// vector table), chip says which nWRP bit protects which sector.
func CheckOptionChange(cur, want []optionbytes.Block, layout dfu.Layout, chip *part.Chip, r Risks) error {
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
	o, n := cur[0].User, want[0].User
	reserved := byte(optionbytes.UserReserved)
	if len(want) < 2 {
		reserved |= optionbytes.UserBFB2
	}
	user := &RiskError{From: uint16(o), To: uint16(n)}
	switch {
	case (o^n)&reserved != 0:
		user.Risk, user.Mask = Reserved, uint16(reserved)
	case o&optionbytes.UserWDGSW != 0 && n&optionbytes.UserWDGSW == 0 && !r.WatchdogAlwaysOn:
		user.Risk = WatchdogAlwaysOn
	case n&optionbytes.UserBOR>>2 < o&optionbytes.UserBOR>>2 && !r.BrownoutReset:
		user.Risk, user.FromBOR, user.ToBOR = BrownoutReset, cur[0].BORLevel(), want[0].BORLevel()
	}
	if user.Risk != 0 {
		return user
	}
	for i := range want {
		used := uint16(0)
		for _, s := range secs {
			if bank, bit := chip.WRPBit(s.Address); bank == i && bit >= 0 {
				used |= 1 << bit
			}
		}
		if d := (cur[i].NWRP ^ want[i].NWRP) &^ used; d != 0 {
			return &RiskError{Risk: ReservedNWRP, Block: i + 1, Mask: d, From: cur[i].NWRP, To: want[i].NWRP}
		}
	}
	return nil
}
