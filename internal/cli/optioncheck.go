package cli

import (
	"errors"
	"strings"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// riskFlags are the flags that let option-bytes make a change with a
// consequence beyond a reset (board.OptionRisks).
type riskFlags = board.OptionRisks

// checkOptionChange refuses, before anything is written, the option-byte
// changes that need a flag naming their consequence, and changes to
// reserved bits (board.CheckOptionChange).
func checkOptionChange(cur, want []optionbytes.Block, layout board.Layout, chip *part.Chip, r riskFlags) error {
	err := board.CheckOptionChange(cur, want, layout, chip, r)
	var re *board.RiskError
	if errors.As(err, &re) {
		return usageError("%s; add --%s if that is what you want", re.Detail, riskFlag[re.Risk])
	}
	return err
}

// riskFlag is the flag that allows each risk.
var riskFlag = map[board.Risk]string{
	board.RiskFreezeBoot: "freeze-boot-sector", board.RiskWatchdog: "watchdog-always-on", board.RiskBrownout: "brownout-reset",
	board.RiskBootAddress: "move-boot-address", board.RiskBankMode: "change-bank-mode", board.RiskDualBoot: "dual-boot",
}

// riskHelp lists the flags for the option-bytes help.
var riskHelp = strings.TrimSpace(`
Changes with a consequence beyond the reset need a flag that names it, as
well as --yes: write-protecting the sector with the vector table
(--freeze-boot-sector), a hardware watchdog (--watchdog-always-on), raising
the BOR level (--brownout-reset); on STM32F7 moving BOOT_ADD0/BOOT_ADD1
(--move-boot-address), changing nDBANK (--change-bank-mode), clearing
nDBOOT (--dual-boot). Reserved bits (USER bits 1:0, nWRP bits of no
sector) are refused.

softdfu changes option bytes on STM32F2, F4, F7 and the F4-like GD32 and
APM32; on H7, L4, G0, G4, WB and AT32 it shows the read protection and,
where the layout is known, the write-protected sectors or pages, and
refuses to write: use STM32CubeProgrammer there.`)
