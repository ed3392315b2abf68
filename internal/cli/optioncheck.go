package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/optionbytes"
)

// riskFlag says which flag accepts each risk, and when to give it.
var riskFlag = map[board.Risk]string{
	board.FreezeBoot:       "--freeze-boot-sector if that is what you want",
	board.WatchdogAlwaysOn: "--watchdog-always-on if that is what you want",
	board.BrownoutReset:    "--brownout-reset if the board's supply is always above it",
	board.MoveBootAddress:  "--move-boot-address if that is what you want",
	board.ChangeBankMode:   "--change-bank-mode if that is what you want",
	board.DualBoot:         "--dual-boot if that is what you want",
}

// riskError says a refused option-byte change in flags: the USER byte as
// --user, and the flag that accepts the risk.
func riskError(err error) error {
	var re *board.RiskError
	if !errors.As(err, &re) {
		return err
	}
	msg := re.Consequence()
	switch re.Risk {
	case board.Reserved:
		return usageError("--user 0x%02x %s, for example --user 0x%02x", re.To, msg, re.Keep())
	case board.ReservedNWRP:
		return usageError("%s", msg)
	case board.WatchdogAlwaysOn, board.BrownoutReset:
		msg = fmt.Sprintf("--user 0x%02x %s", re.To, msg)
	}
	return usageError("%s; add %s", msg, riskFlag[re.Risk])
}

// riskHelp lists the flags for the option-bytes help.
var riskHelp = strings.TrimSpace(fmt.Sprintf(`
Changes with a consequence beyond the reset need a flag that names it, as
well as --yes: write-protecting the sector with the vector table
(--freeze-boot-sector), a hardware watchdog (clearing WDG_SW, on F7 IWDG_SW
or WWDG_SW: --watchdog-always-on), raising the BOR level (--brownout-reset);
on STM32F7 moving BOOT_ADD0/BOOT_ADD1 (--move-boot-address), changing
nDBANK (--change-bank-mode), clearing nDBOOT (--dual-boot). Reserved bits
(USER mask 0x%02x, nWRP bits of no sector) are refused.

softdfu changes option bytes on STM32F2, F4, F7 and the F4-like GD32 and
APM32; on H7, L4, G0, G4, WB and AT32 it shows the read protection and,
where the layout is known, the write-protected sectors or pages, and
refuses to write: use STM32CubeProgrammer there.`, optionbytes.UserReserved))
