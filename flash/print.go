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

// String prints the plan: a sector map (index, address, size, action and
// what happens to the bytes outside the image), the totals, the estimate
// and the notes.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan for %s: image %d bytes in %d segment(s)\n", p.Layout.Describe(0), p.ImageBytes, p.Segments)
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "  #\taddress\tsize\taction\timage bytes\toutside the image")
	for _, s := range p.Sectors {
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
	fmt.Fprintf(&b, "erase %d sector(s) (%s), write %d bytes in %d run(s) of %d-byte blocks (%d blocks), skip %d unchanged sector(s)",
		len(es), size(erased), p.WriteBytes(), len(p.Runs), p.TransferSize, p.Blocks(), skipped)
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
