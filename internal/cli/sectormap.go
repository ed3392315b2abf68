package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/internal/progress"
)

// rate prints n bytes in d as " (12.3 KiB/s)".
func rate(n int, d time.Duration) string {
	if d <= 0 || n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s/s)", progress.HumanBytes(int(float64(n)/d.Seconds())))
}

// resultTotals says how long each phase took (board time) and how fast
// it went.
func resultTotals(r *flash.Result) string {
	s := fmt.Sprintf("times: erase %v, write %v%s", r.EraseTime.Round(time.Millisecond), r.WriteTime.Round(time.Millisecond), rate(r.Written, r.WriteTime))
	if r.Verified > 0 {
		s += fmt.Sprintf(", verify %v%s", r.VerifyTime.Round(time.Millisecond), rate(r.Verified, r.VerifyTime))
	}
	return s
}

// sectorData is the sector map for JSON.
func sectorData(p *flash.Plan, res *flash.Result) []map[string]any {
	done := map[int]flash.SectorResult{}
	if res != nil {
		for _, s := range res.Sectors {
			done[s.Index] = s
		}
	}
	var out []map[string]any
	for _, s := range p.Sectors {
		m := map[string]any{"index": s.Index, "address": fmt.Sprintf("0x%08x", s.Address), "size": s.Size, "plan": s.Action.Word()}
		if s.Action != flash.Untouched {
			m["image_bytes"], m["kept"], m["lost"] = s.ImageBytes, s.Kept, s.Lost
		}
		if s.Reason != "" {
			m["erase_reason"] = s.Reason
		}
		if r, ok := done[s.Index]; ok && res != nil {
			m["erased"], m["written"] = r.Erased, r.Written
		}
		out = append(out, m)
	}
	return out
}

// indent puts prefix before every line of s.
func indent(prefix, s string) string {
	if prefix == "" {
		return s
	}
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
