package flash

import (
	"fmt"
	"strings"
	"time"
)

// Lines are the whole plan as front ends show it when they stop at the
// plan (a dry run), one line each: the headline, the sector map, the
// totals and the notes.
func (p *Plan) Lines() []string {
	lines := append([]string{p.Headline()}, strings.Split(p.Map(nil), "\n")...)
	lines = append(lines, "plan: "+p.Totals())
	for _, n := range p.Notes {
		lines = append(lines, "note: "+n)
	}
	return lines
}

// Brief is what front ends show of a plan as the job starts (the sector
// map follows with the result): the headline, the estimated time when
// there is one, and the notes.
func (p *Plan) Brief() []string {
	lines := []string{p.Headline()}
	if p.Estimate > 0 {
		lines = append(lines, fmt.Sprintf("plan: estimated time %v", p.Estimate.Round(time.Millisecond)))
	}
	for _, n := range p.Notes {
		lines = append(lines, "plan: "+n)
	}
	return lines
}
