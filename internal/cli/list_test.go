package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestListTellsBoardsApart: list shows what tells boards apart (mode,
// serial, the chip of a bootloader, the entry method and future ROM serial
// of an application) in aligned columns.
func TestListTellsBoardsApart(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Main([]string{"list", "--sim", "feather-f405,discovery-f407:dfu,nucleo-f446re:micropython,discovery-f429:dfu"}, strings.NewReader(""), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	header := lines[0]
	cols := []string{"PATH", "MODE", "ID", "SERIAL", "CHIP OR ENTRY", "PRODUCT"}
	var starts []int
	for _, c := range cols {
		i := strings.Index(header, c)
		if i < 0 {
			t.Fatalf("header %q lacks %s", header, c)
		}
		starts = append(starts, i)
	}
	var rows []string
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, " ") { // notes (alternate settings) are indented
			rows = append(rows, l)
		}
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want 4:\n%s", len(rows), out.String())
	}
	for _, r := range rows {
		for i, s := range starts {
			if s >= len(r) || r[s] == ' ' || s > 0 && r[s-1] != ' ' {
				t.Errorf("row %q: column %s does not start at %d, under its header", r, cols[i], s)
			}
		}
	}
	want := []string{
		"enter: repl,1200bps, ROM serial 325E35633334",
		"STM32F405/407/415/417 (1 MB)",
		"enter: raw-repl",
		"STM32F427/429/437/439 (2 MB, dual bank)",
	}
	for i, w := range want {
		if !strings.Contains(rows[i], w) {
			t.Errorf("row %d %q lacks %q", i, rows[i], w)
		}
	}
}
