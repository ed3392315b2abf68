package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/flash"
)

// actionWord names a planned action for the sector map.
func actionWord(a flash.Action) string {
	switch a {
	case flash.Untouched:
		return "untouched"
	case flash.Unchanged:
		return "unchanged"
	}
	return a.String()
}

// sizeText prints a sector size as 16K, 128K.
func sizeText(n uint32) string {
	if n%1024 == 0 {
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprintf("%d", n)
}

// sectorMap prints the plan's sectors (and, with res, what was done to
// each): one line per touched sector, runs of untouched sectors folded
// into one line.
func sectorMap(p *flash.Plan, res *flash.Result) string {
	done := map[int]flash.SectorResult{}
	if res != nil {
		for _, s := range res.Sectors {
			done[s.Index] = s
		}
	}
	head := []string{"#", "ADDRESS", "SIZE", "PLAN", "IMAGE BYTES", "OUTSIDE THE IMAGE"}
	if res != nil {
		head = append(head, "DONE")
	}
	var b strings.Builder
	t := newTable(&b, head...)
	for i := 0; i < len(p.Sectors); i++ {
		s := p.Sectors[i]
		if s.Action == flash.Untouched {
			j := i
			for j+1 < len(p.Sectors) && p.Sectors[j+1].Action == flash.Untouched && p.Sectors[j+1].Size == s.Size {
				j++
			}
			idx, size := fmt.Sprint(s.Index), sizeText(s.Size)
			if j > i {
				idx = fmt.Sprintf("%d-%d", s.Index, p.Sectors[j].Index)
				size = fmt.Sprintf("%dx%s", j-i+1, sizeText(s.Size))
			}
			row := []string{idx, fmt.Sprintf("0x%08x", s.Address), size, "untouched", "", ""}
			if res != nil {
				row = append(row, "")
			}
			t.row(row...)
			i = j
			continue
		}
		var outside []string
		if s.Kept > 0 {
			outside = append(outside, fmt.Sprintf("%d kept", s.Kept))
		}
		if s.Lost > 0 {
			outside = append(outside, fmt.Sprintf("%d lost", s.Lost))
		}
		row := []string{fmt.Sprint(s.Index), fmt.Sprintf("0x%08x", s.Address), sizeText(s.Size), actionWord(s.Action), fmt.Sprint(s.ImageBytes), strings.Join(outside, ", ")}
		if res != nil {
			row = append(row, doneText(s, done[s.Index]))
		}
		t.row(row...)
	}
	t.flush()
	return strings.TrimRight(b.String(), "\n")
}

// doneText says what happened to a planned sector.
func doneText(p flash.SectorPlan, r flash.SectorResult) string {
	var parts []string
	if r.Erased {
		parts = append(parts, "erased")
	}
	if r.Written > 0 {
		parts = append(parts, fmt.Sprintf("wrote %d", r.Written))
	}
	switch {
	case p.Action == flash.Unchanged && len(parts) == 0:
		return "skipped"
	case len(parts) == 0:
		return "not done"
	}
	return strings.Join(parts, ", ")
}

// rate prints n bytes in d as " (12.3 KiB/s)".
func rate(n int, d time.Duration) string {
	if d <= 0 || n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%s/s)", humanBytes(int(float64(n)/d.Seconds())))
}

// planHeadline is the first line of a plan: the memory and the image.
func planHeadline(p *flash.Plan) string {
	return fmt.Sprintf("plan for %s: image %d bytes in %d segment(s)", p.Layout.Describe(0), p.ImageBytes, p.Segments)
}

// planTotals is the line under a planned map.
func planTotals(p *flash.Plan) string {
	var erased uint32
	es := p.Erased()
	for _, s := range es {
		erased += s.Size
	}
	unchanged := 0
	for _, s := range p.Sectors {
		if s.Action == flash.Unchanged {
			unchanged++
		}
	}
	verify := "no verify"
	if p.Verify {
		verify = fmt.Sprintf("verify %d bytes", p.WriteBytes())
	}
	return fmt.Sprintf("plan: erase %d sector(s) (%s), write %d bytes (%d blocks of %d), %d sector(s) unchanged, %s; estimated time %v",
		len(es), sizeText(erased), p.WriteBytes(), p.Blocks(), p.TransferSize, unchanged, verify, p.Estimate.Round(time.Millisecond))
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
		m := map[string]any{"index": s.Index, "address": fmt.Sprintf("0x%08x", s.Address), "size": s.Size, "plan": actionWord(s.Action)}
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
