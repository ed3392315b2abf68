package cli

import (
	"fmt"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/update"
)

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
