package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/optionbytes"
)

// riskFlags are the flags that let option-bytes make a change with a
// consequence beyond a reset (board.CheckOptionChange refuses it
// otherwise).
type riskFlags struct {
	freezeBoot, watchdog, brownout bool
}

func (r riskFlags) risks() board.Risks {
	return board.Risks{FreezeBoot: r.freezeBoot, WatchdogAlwaysOn: r.watchdog, BrownoutReset: r.brownout}
}

// riskFlag says which flag accepts each risk, and when to give it.
var riskFlag = map[board.Risk]string{
	board.FreezeBoot:       "--freeze-boot-sector if that is what you want",
	board.WatchdogAlwaysOn: "--watchdog-always-on if that is what you want",
	board.BrownoutReset:    "--brownout-reset if the board's supply is always above it",
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
(--freeze-boot-sector), clearing WDG_SW (--watchdog-always-on), raising the
BOR level (--brownout-reset). Reserved bits (USER mask 0x%02x, nWRP bits of
no sector) are refused.`, optionbytes.UserReserved))
