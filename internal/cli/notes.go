package cli

import (
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
		return board.Entering, ev.String()
	case board.Overridden:
		return "", "--force: " + update.Overriding(ev.Guard)
	case board.WriteUnprotecting:
		return "", "--force: " + ev.String()
	case fmt.Stringer:
		return "", ev.String()
	}
	return "", ""
}
