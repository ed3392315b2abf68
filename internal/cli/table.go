package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table prints aligned columns, with optional indented notes under a row
// that do not disturb the alignment.
type table struct {
	out   io.Writer
	rows  [][]string
	notes map[int][]string
}

func newTable(out io.Writer, head ...string) *table {
	t := &table{out: out, notes: map[int][]string{}}
	t.row(head...)
	return t
}

func (t *table) row(cells ...string) {
	r := make([]string, len(cells))
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		r[i] = c
	}
	t.rows = append(t.rows, r)
}

// note prints a line under the last row, outside the columns.
func (t *table) note(s string) {
	i := len(t.rows) - 1
	t.notes[i] = append(t.notes[i], s)
}

func (t *table) flush() error {
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for i, r := range t.rows {
		for j, c := range r {
			if j == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", width[j]-utf8.RuneCountInString(c)+2))
		}
		b.WriteByte('\n')
		for _, n := range t.notes[i] {
			fmt.Fprintf(&b, "    %s\n", n)
		}
	}
	_, err := io.WriteString(t.out, b.String())
	return err
}
