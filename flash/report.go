package flash

import (
	"fmt"
	"time"
)

// SectorReport is one sector of a plan, and what a run did to it, as the
// CLI's JSON results carry it. The fields are in the order of their
// names, as JSON objects built from maps have them.
type SectorReport struct {
	// Address is the start, in hex: "0x08000000".
	Address string `json:"address"`
	// EraseReason is SectorPlan.Reason.
	EraseReason string `json:"erase_reason,omitempty"`
	// Erased and Written are what the run did (set with a result only).
	Erased     *bool  `json:"erased,omitempty"`
	ImageBytes *int   `json:"image_bytes,omitempty"`
	Index      int    `json:"index"`
	Kept       *int   `json:"kept,omitempty"`
	Lost       *int   `json:"lost,omitempty"`
	Plan       string `json:"plan"`
	Size       uint32 `json:"size"`
	Written    *int   `json:"written,omitempty"`
}

// SectorReport is the plan's sector map with what res did (res may be
// nil: a plan only). Untouched sectors carry no byte counts.
func (p *Plan) SectorReport(res *Result) []SectorReport {
	done := map[int]SectorResult{}
	if res != nil {
		for _, s := range res.Sectors {
			done[s.Index] = s
		}
	}
	var out []SectorReport
	for _, s := range p.Sectors {
		r := SectorReport{Index: s.Index, Address: fmt.Sprintf("0x%08x", s.Address), Size: s.Size, Plan: s.Action.Word(), EraseReason: s.Reason}
		if s.Action != Untouched {
			r.ImageBytes, r.Kept, r.Lost = ptr(s.ImageBytes), ptr(s.Kept), ptr(s.Lost)
		}
		if d, ok := done[s.Index]; ok {
			r.Erased, r.Written = ptr(d.Erased), ptr(d.Written)
		}
		out = append(out, r)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// Times says how long each phase took (device time) and how fast it
// went: "times: erase 120ms, write 1.2s (33.1 KiB/s), verify 80ms (...)".
func (r *Result) Times() string {
	s := fmt.Sprintf("times: erase %v, write %v%s", r.EraseTime.Round(time.Millisecond), r.WriteTime.Round(time.Millisecond), rate(r.Written, r.WriteTime))
	if r.Verified > 0 {
		s += fmt.Sprintf(", verify %v%s", r.VerifyTime.Round(time.Millisecond), rate(r.Verified, r.VerifyTime))
	}
	return s
}

// rate prints n bytes in d as " (12.3 KiB/s)".
func rate(n int, d time.Duration) string {
	if d <= 0 || n == 0 {
		return ""
	}
	n = int(float64(n) / d.Seconds())
	switch {
	case n >= 1<<20:
		return fmt.Sprintf(" (%.1f MiB/s)", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf(" (%.1f KiB/s)", float64(n)/(1<<10))
	}
	return fmt.Sprintf(" (%d B/s)", n)
}
