package update

import (
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/flash"
)

// Summary is a report in numbers, as the JSON result data of the CLI's
// flash. Serial and ID name the board as it was selected; the rest is
// there only when the report says it (nil for a job that did not start).
// The fields are in the order of their JSON names, as objects built from
// maps have them.
type Summary struct {
	App         *AppSummary `json:"app,omitempty"`
	Attempts    *int        `json:"attempts,omitempty"`
	BoardTimeMs *int64      `json:"board_time_ms,omitempty"`
	// DryRun: planned, and stopped without erasing or writing.
	DryRun        *bool  `json:"dry_run,omitempty"`
	EraseMs       *int64 `json:"erase_ms,omitempty"`
	ErasedSectors *int   `json:"erased_sectors,omitempty"`
	EstimateMs    *int64 `json:"estimate_ms,omitempty"`
	ID            string `json:"id"`
	Left          *bool  `json:"left,omitempty"`
	// Sectors is the plan's sector map (null for a plan of no sectors).
	Sectors       *[]flash.SectorReport `json:"sectors,omitempty"`
	Serial        string                `json:"serial"`
	State         *BoardState           `json:"state,omitempty"`
	Transfers     *int                  `json:"transfers,omitempty"`
	Unchanged     *int                  `json:"unchanged_sectors,omitempty"`
	VerifiedBytes *int                  `json:"verified_bytes,omitempty"`
	VerifyMs      *int64                `json:"verify_ms,omitempty"`
	WriteMs       *int64                `json:"write_ms,omitempty"`
	WrittenBytes  *int                  `json:"written_bytes,omitempty"`
}

// AppSummary is the application that appeared after leaving.
type AppSummary = board.DeviceDocument

// Summary sums up r (which may be nil), the report of a job on the board
// with this serial and ID that ended with err.
func (r *Report) Summary(serial, id string, err error) Summary {
	s := Summary{Serial: serial, ID: id}
	if r == nil {
		return s
	}
	s.BoardTimeMs, s.Transfers = ptr(r.Elapsed.Milliseconds()), ptr(r.Transfers)
	s.Left, s.Attempts, s.State = ptr(r.Left), ptr(r.Attempts), r.State
	if res := r.Result; res != nil {
		s.ErasedSectors, s.WrittenBytes, s.VerifiedBytes = ptr(res.Erased), ptr(res.Written), ptr(res.Verified)
	}
	if p := r.Plan; p != nil {
		unchanged := 0
		for _, sp := range p.Sectors {
			if sp.Action == flash.Unchanged {
				unchanged++
			}
		}
		s.Unchanged, s.DryRun = ptr(unchanged), ptr(r.Result == nil && err == nil)
		s.Sectors, s.EstimateMs = ptr(p.SectorReport(r.Result)), ptr(p.Estimate.Milliseconds())
		if res := r.Result; res != nil {
			s.EraseMs, s.WriteMs, s.VerifyMs = ptr(res.EraseTime.Milliseconds()), ptr(res.WriteTime.Milliseconds()), ptr(res.VerifyTime.Milliseconds())
		}
	}
	s.App = board.DeviceDocumentOf(r.App)
	return s
}

func ptr[T any](v T) *T { return &v }

// Failure says in lines what a job that ended with err did and what the
// board holds (r.State): how far it got when the board failed or the job
// was interrupted, then the board's state, sector by sector.
func (r *Report) Failure(err error) []string {
	var lines []string
	k := board.KindOf(err)
	if (k == board.Device || k == board.Interrupted) && r.Result != nil {
		lines = append(lines, fmt.Sprintf("stopped after erasing %d sector(s) and writing %d bytes", r.Result.Erased, r.Result.Written))
	}
	st := r.State
	switch {
	case st == nil:
	case k == board.Interrupted && st.Read:
		// One account of the sectors: the interrupted line says what the
		// board state's sector list would, in the words of an interrupt.
		lines = append(lines, r.Interrupted(), "vector table at the boot address: "+st.Vectors, "to recover: "+st.Recovery)
	default:
		lines = append(lines, strings.Split(st.String(), "\n")...)
	}
	return lines
}
