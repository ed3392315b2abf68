package cli

import (
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// Option-byte changes whose consequence needs its own flag, besides --yes
// (RM0090, "Option bytes": USER bit 5 WDG_SW, bits 3:2 BOR_LEV).
const (
	userWDGSW = 1 << 5
	userBOR   = 3 << 2
	// userReserved are the USER bits no option of an STM32F4 uses here:
	// bits 1:0 (and bit 4, BFB2, on parts with one bank).
	userReserved = 0x03
	userBFB2     = 1 << 4
)

// riskFlags are the flags that let option-bytes make a change with a
// consequence beyond a reset.
type riskFlags struct {
	freezeBoot, watchdog, brownout bool
}

// checkOptionChange refuses, before anything is written, the option-byte
// changes that need a flag naming their consequence, and changes to
// reserved bits.
func checkOptionChange(cur, want []optionbytes.Block, layout board.Layout, chip *part.Chip, r riskFlags) error {
	secs := layout.All()
	if len(secs) > 0 && chip != nil {
		bank, bit := chip.WRPBit(secs[0].Address)
		if bank >= 0 && bank < len(want) {
			was, will := cur[bank].NWRP&(1<<bit) == 0, want[bank].NWRP&(1<<bit) == 0
			if will && !was && !r.freezeBoot {
				return usageError("write-protecting sector %d, which holds the vector table at 0x%08x, freezes the start of the application: no DFU update (softdfu's or any tool's) can change it until the protection is removed again; add --freeze-boot-sector if that is what you want", secs[0].Index, secs[0].Address)
			}
		}
	}
	o, n := cur[0].User, want[0].User
	reserved := byte(userReserved)
	if len(want) < 2 {
		reserved |= userBFB2
	}
	if (o^n)&reserved != 0 {
		return usageError("--user 0x%02x changes reserved USER bits (mask 0x%02x): keep them as the board has them (0x%02x), for example --user 0x%02x", n, reserved, o&reserved, n&^reserved|o&reserved)
	}
	if o&userWDGSW != 0 && n&userWDGSW == 0 && !r.watchdog {
		return usageError("--user 0x%02x clears WDG_SW: the independent watchdog then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until WDG_SW is set again; add --watchdog-always-on if that is what you want", n)
	}
	if n&userBOR>>2 < o&userBOR>>2 && !r.brownout {
		return usageError("--user 0x%02x raises the brown-out reset threshold from %s to %s: below that supply voltage the chip is held in reset and starts nothing, the ROM bootloader included; add --brownout-reset if the board's supply is always above it", n, cur[0].BORLevel(), want[0].BORLevel())
	}
	for i := range want {
		used := uint16(0)
		for _, s := range secs {
			if bank, bit := chip.WRPBit(s.Address); bank == i && bit >= 0 {
				used |= 1 << bit
			}
		}
		if d := (cur[i].NWRP ^ want[i].NWRP) &^ used; d != 0 {
			return usageError("the nWRP word of block %d would change bits 0x%04x that protect no sector of this board (reserved, or SPRMOD/DB1M on dual-bank parts, which change what the other bits mean): keep them as they are (nWRP now 0x%04x)", i+1, d, cur[i].NWRP)
		}
	}
	return nil
}

// riskHelp lists the flags for the option-bytes help.
var riskHelp = strings.TrimSpace(fmt.Sprintf(`
Changes with a consequence beyond the reset need a flag that names it, as
well as --yes: write-protecting the sector with the vector table
(--freeze-boot-sector), clearing WDG_SW (--watchdog-always-on), raising the
BOR level (--brownout-reset). Reserved bits (USER mask 0x%02x, nWRP bits of
no sector) are refused.`, userReserved))
