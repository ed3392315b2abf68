package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
)

// TestExitCodeHelp: softdfu help exit-codes lists every kind's exit code
// and JSON code.
func TestExitCodeHelp(t *testing.T) {
	for k := board.Failure; k <= board.Busy; k++ {
		if !strings.Contains(exitCodeHelp, fmt.Sprintf("\n%3d  ", k.Exit())) || !strings.Contains(exitCodeHelp, k.Code()) {
			t.Errorf("help lacks exit %d or code %q of kind %d", k.Exit(), k.Code(), k)
		}
	}
}
