package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/update"
)

// TestInterruptedReportOnce: after an interrupt the human report names the
// sectors once (the interrupted line), not also in a board-state line,
// and still gives the vector table and the recovery.
func TestInterruptedReportOnce(t *testing.T) {
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut}
	rep := &update.Report{
		Result: &flash.Result{Erased: 1, Written: 2048, Sectors: []flash.SectorResult{{Sector: dfu.Sector{Index: 0, Address: 0x08000000, Size: 1 << 14}, Written: 2048}}},
		State: &update.BoardState{Read: true, Vectors: "erased", Recovery: update.RecoveryInterrupted,
			Sectors: []update.SectorState{{Index: 0, State: update.SectorPartial}}},
	}
	e.failure("", rep, board.WithKind(board.Interrupted, context.Canceled))
	got := out.String()
	for _, want := range []string{"stopped after erasing 1 sector(s) and writing 2048 bytes", "interrupted: partly written: sector(s) 0 (2048 of 16384 bytes)",
		"vector table at the boot address: erased", "to recover: " + update.RecoveryInterrupted} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "board state") || strings.Count(got, "sector(s) 0") != 1 {
		t.Errorf("the sectors are told twice:\n%s", got)
	}
}
