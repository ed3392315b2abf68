package cli

import (
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/update"
)

// phaseText says what each phase of an update does (plain progress only).
var phaseText = map[board.Phase]string{
	board.Entering:      "entering the ROM bootloader from software",
	board.Surveying:     "surveying the board (read-only): layout, protection, current content",
	board.Leaving:       "leaving the ROM bootloader",
	board.WaitingForApp: "waiting for the application to appear on USB",
}

// phaseMessage says what the phases of the single-operation commands do
// (plain progress and the JSON phase events).
var phaseMessage = map[board.Phase]string{
	board.Erasing:       "erasing",
	board.Writing:       "writing",
	board.MassErasing:   "mass erase: the whole flash (up to 32 s on a 1 MB part)",
	board.BlankChecking: "checking the sectors are blank",
	board.Verifying:     "reading the board back",
	board.Unprotecting:  "read unprotect: mass erase and reset (up to 32 s)",
	board.Resetting:     "waiting for the board to come back after its reset",
}

// noteText renders a note event for people, in the command line's terms,
// with the phase it belongs to.
func noteText(ev board.Event) (board.Phase, string) {
	switch ev := ev.(type) {
	case board.Entered:
		if ev.Again {
			return board.Entering, fmt.Sprintf("the board came back running its application; entered the ROM bootloader again with %s", ev.Method)
		}
		return board.Entering, fmt.Sprintf("entered the ROM bootloader with %s: %s serial %s on %s", ev.Method, ev.ROM.ID(), ev.ROM.Descriptors.Serial(), ev.ROM.Path)
	case board.Retrying:
		return "", fmt.Sprintf("attempt %d failed: %v; reading the board again and planning from what is on it now", ev.Attempt, ev.Err)
	case board.Overridden:
		var ge *update.GuardError
		if errors.As(ev.Guard, &ge) && errors.Is(ge, update.ErrUnknownPart) {
			return "", fmt.Sprintf("--force: writing a device whose flash layout is not a known STM32F4 one: %s", ge.Detail)
		}
		if ge != nil {
			return "", fmt.Sprintf("--force: writing it anyway: %v: %s", ge.Err, ge.Detail)
		}
		return "", fmt.Sprintf("--force: writing it anyway: %v", ev.Guard)
	case board.WriteUnprotecting:
		if ev.DryRun {
			return "", fmt.Sprintf("--force: would remove the write protection of sector(s) %s (dry run: not done)", board.SectorList(ev.Sectors))
		}
		return "", fmt.Sprintf("--force: removing the write protection of sector(s) %s; the board resets and the update continues", board.SectorList(ev.Sectors))
	case board.LeavingUnchanged:
		return "", "dry run: leaving the bootloader, the application was not changed"
	case board.OptionWrite:
		return "", fmt.Sprintf("writing option bytes at 0x%08x: %s", ev.Address, board.Change(ev.From, ev.To, ev.Bank))
	case board.NoReset:
		return "", "the board did not reset after the write (unexpected for an STM32F4 ROM)"
	}
	return "", ""
}
