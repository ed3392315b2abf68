package flash

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Size formats a byte count the way layout strings do: 16K, 1M, 512 (0 is
// 0K). It is the one size formatter of plans and sector maps.
func Size(n uint32) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// Word names an action in a sector map: "untouched", "unchanged", "write",
// "erase" or "erase+write".
func (a Action) Word() string {
	if a == Untouched {
		return "untouched"
	}
	return a.String()
}

// String prints the plan: the headline, the sector map, the totals and
// estimate, and the notes. It is the one plan printer; front ends print
// its parts (Headline, Map, Totals) where they need them.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n%s\n", p.Headline(), p.Map(nil), p.Totals())
	for _, r := range p.Runs {
		fmt.Fprintf(&b, "  run 0x%08x-0x%08x (%d bytes)\n", r.Address, r.End()-1, len(r.Data))
	}
	for _, s := range p.Erased() {
		fmt.Fprintf(&b, "  erase %d: %s\n", s.Index, s.Reason)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

// Headline is the first line of a plan: the memory and the image.
func (p *Plan) Headline() string {
	return fmt.Sprintf("plan for %s: image %d bytes in %d segment(s)", p.Layout.Describe(0), p.ImageBytes, p.Segments)
}

// Totals is the line under a planned map: what is erased, written,
// skipped and verified, and the estimate.
func (p *Plan) Totals() string {
	var erased uint32
	es := p.Erased()
	for _, s := range es {
		erased += s.Size
	}
	unchanged := 0
	for _, s := range p.Sectors {
		if s.Action == Unchanged {
			unchanged++
		}
	}
	verify := "no verify"
	if p.Verify {
		verify = fmt.Sprintf("verify %d bytes", p.WriteBytes())
	}
	unit := p.Unit
	if unit == "" {
		unit = "sector"
	}
	return fmt.Sprintf("erase %d %s(s) (%s), write %d bytes (%d blocks of %d), %d %s(s) unchanged, %s; estimated time %v",
		len(es), unit, Size(erased), p.WriteBytes(), p.Blocks(), p.TransferSize, unchanged, unit, verify, p.Estimate.Round(time.Millisecond))
}

// Map prints the plan's sectors (and, with res, what was done to each):
// one line per touched sector, runs of untouched sectors of one size
// folded into one line ("5-7  0x08020000  3*128K  untouched", the
// notation of DfuSe layouts), as are runs of collapseRun or more equal
// touched units that keep and lose nothing (page maps); "-" for an empty
// cell.
func (p *Plan) Map(res *Result) string {
	done := map[int]SectorResult{}
	if res != nil {
		for _, s := range res.Sectors {
			done[s.Index] = s
		}
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := "#\tADDRESS\tSIZE\tPLAN\tIMAGE BYTES\tOUTSIDE THE IMAGE"
	if res != nil {
		head += "\tDONE"
	}
	fmt.Fprintln(w, head)
	for i := 0; i < len(p.Sectors); i++ {
		row, n := p.mapRow(i, res != nil, done)
		fmt.Fprintln(w, strings.Join(row, "\t"))
		i += n
	}
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}

// mapRow is the row of sector i, and how many untouched sectors after it
// the row folds in.
func (p *Plan) mapRow(i int, withDone bool, done map[int]SectorResult) ([]string, int) {
	s := p.Sectors[i]
	if j := p.sameRun(i); j-i >= collapseRun && s.Action != Untouched && !withDone {
		img := 0
		for _, x := range p.Sectors[i:j] {
			img += x.ImageBytes
		}
		return []string{fmt.Sprintf("%d-%d", s.Index, p.Sectors[j-1].Index), fmt.Sprintf("0x%08x", s.Address), fmt.Sprintf("%d*%s", j-i, Size(s.Size)), s.Action.Word(), fmt.Sprint(img), "-"}, j - i - 1
	}
	cell := func(c string) string {
		if c == "" {
			return "-"
		}
		return c
	}
	if s.Action == Untouched {
		j := i
		for j+1 < len(p.Sectors) && p.Sectors[j+1].Action == Untouched && p.Sectors[j+1].Size == s.Size {
			j++
		}
		idx, size := fmt.Sprint(s.Index), Size(s.Size)
		if j > i {
			idx = fmt.Sprintf("%d-%d", s.Index, p.Sectors[j].Index)
			size = fmt.Sprintf("%d*%s", j-i+1, Size(s.Size))
		}
		row := []string{idx, fmt.Sprintf("0x%08x", s.Address), size, "untouched", "-", "-"}
		if withDone {
			row = append(row, "-")
		}
		return row, j - i
	}
	var outside []string
	if s.Kept > 0 {
		outside = append(outside, fmt.Sprintf("%d kept", s.Kept))
	}
	if s.Lost > 0 {
		outside = append(outside, fmt.Sprintf("%d lost", s.Lost))
	}
	row := []string{fmt.Sprint(s.Index), fmt.Sprintf("0x%08x", s.Address), Size(s.Size), s.Action.Word(), fmt.Sprint(s.ImageBytes), cell(strings.Join(outside, ", "))}
	if withDone {
		row = append(row, doneText(s, done[s.Index]))
	}
	return row, 0
}

// doneText says what happened to a planned sector.
func doneText(p SectorPlan, r SectorResult) string {
	var parts []string
	if r.Erased {
		parts = append(parts, "erased")
	}
	if r.Written > 0 {
		parts = append(parts, fmt.Sprintf("wrote %d", r.Written))
	}
	switch {
	case p.Action == Unchanged && len(parts) == 0:
		return "skipped"
	case len(parts) == 0:
		return "not done"
	}
	return strings.Join(parts, ", ")
}

// collapseRun is the shortest run of equal touched units printed as one
// line: more than an STM32F4 bank has of one size, so sector maps print in
// full and page maps of hundreds of pages read in a few lines.
const collapseRun = 8

// sameRun returns the end of the run of units from i that print as one
// line: the same action and size, nothing kept or lost.
func (p *Plan) sameRun(i int) int {
	s := p.Sectors[i]
	j := i
	for j < len(p.Sectors) {
		x := p.Sectors[j]
		if x.Action != s.Action || x.Size != s.Size || x.Kept != 0 || x.Lost != 0 {
			break
		}
		j++
	}
	return max(j, i+1)
}
