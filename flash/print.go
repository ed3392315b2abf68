package flash

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// size formats a byte count the way layout strings do: 16K, 1M, 512.
func size(n uint32) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// String prints the plan: a map of the erase units (index, address, size,
// action and what happens to the bytes outside the image; a run of
// collapseRun or more equal units that keep and lose nothing on one line, such as
// "5-255  0x08002800  251*2K  untouched"), the totals, the estimate and the
// notes.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan for %s: image %d bytes in %d segment(s)\n", p.Layout.Describe(0), p.ImageBytes, p.Segments)
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  #\taddress\tsize\taction\timage bytes\toutside the image")
	for i := 0; i < len(p.Sectors); {
		s := p.Sectors[i]
		j := p.sameRun(i)
		if j-i >= collapseRun {
			img := 0
			for _, x := range p.Sectors[i:j] {
				img += x.ImageBytes
			}
			imgs := ""
			if s.Action != Untouched {
				imgs = fmt.Sprint(img)
			}
			fmt.Fprintf(w, "%s\t0x%08x\t%d*%s\t%v\t%s\t\n", fmt.Sprintf("%d-%d", s.Index, p.Sectors[j-1].Index), s.Address, j-i, size(s.Size), s.Action, imgs)
			i = j
			continue
		}
		i++
		img, outside := "", ""
		if s.Action != Untouched {
			img = fmt.Sprint(s.ImageBytes)
		}
		switch {
		case s.Kept > 0 && s.Lost > 0:
			outside = fmt.Sprintf("%d kept, %d lost", s.Kept, s.Lost)
		case s.Kept > 0:
			outside = fmt.Sprintf("%d kept", s.Kept)
		case s.Lost > 0:
			outside = fmt.Sprintf("%d lost", s.Lost)
		}
		fmt.Fprintf(w, "%3d\t0x%08x\t%s\t%v\t%s\t%s\n", s.Index, s.Address, size(s.Size), s.Action, img, outside)
	}
	w.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		b.WriteString(strings.TrimRight(line, " \n"))
		if line != "" {
			b.WriteByte('\n')
		}
	}
	var erased uint32
	es := p.Erased()
	for _, s := range es {
		erased += s.Size
	}
	skipped := 0
	for _, s := range p.Sectors {
		if s.Action == Unchanged {
			skipped++
		}
	}
	unit := p.Unit
	if unit == "" {
		unit = "sector"
	}
	fmt.Fprintf(&b, "erase %d %s(s) (%s), write %d bytes in %d run(s) of %d-byte blocks (%d blocks), skip %d unchanged %s(s)",
		len(es), unit, size(erased), p.WriteBytes(), len(p.Runs), p.TransferSize, p.Blocks(), skipped, unit)
	if p.Verify {
		fmt.Fprintf(&b, ", verify %d bytes\n", p.WriteBytes())
	} else {
		b.WriteString(", no verify\n")
	}
	for _, r := range p.Runs {
		fmt.Fprintf(&b, "  run 0x%08x-0x%08x (%d bytes)\n", r.Address, r.End()-1, len(r.Data))
	}
	for _, s := range es {
		fmt.Fprintf(&b, "  erase %d: %s\n", s.Index, s.Reason)
	}
	if p.Estimate > 0 {
		fmt.Fprintf(&b, "estimated time %v\n", p.Estimate.Round(time.Millisecond))
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

// collapseRun is the shortest run of equal units printed as one line: more
// than an STM32F4 bank has of one size, so sector maps print in full and
// page maps of hundreds of pages read in a few lines.
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
