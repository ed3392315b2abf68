package bench

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestTable: a row has the header's columns, the board count shows in
// the label, and the figures round as the table and records print them.
func TestTable(t *testing.T) {
	r := &Result{Case: "app-64K", Board: "feather-f405", Boards: 8, Ratio: 1.23456, Wall: 1500 * time.Millisecond, Limit: 12 * time.Millisecond}
	if got := r.BoardLabel(); got != "8x feather-f405" {
		t.Errorf("label %q", got)
	}
	if h, row := strings.Fields(Header), strings.Fields(r.Row()); len(row) != len(h)+1 { // "8x feather-f405" is two fields
		t.Errorf("row %q has %d fields, header %d", r.Row(), len(row), len(h))
	}
	if !strings.HasPrefix(r.Row(), "1.23x   app-64K        8x feather-f405      1.500s     12.0ms   0.00x") {
		t.Errorf("row %q", r.Row())
	}
	if d := r.Data(); d["ratio"] != 1.235 || d["boards"] != 8 || d["wall_s"] != 1.5 {
		t.Errorf("data %v", d)
	}
}

func TestPick(t *testing.T) {
	name := func(s string) string { return s }
	got, err := Pick([]string{"a", "b", "c"}, name, "c,a")
	if err != nil || strings.Join(got, ",") != "a,c" {
		t.Errorf("Pick c,a = %v, %v; want a,c in the order of all", got, err)
	}
	_, err = Pick([]string{"a", "b"}, name, "a,x")
	var ue *UnknownCaseError
	if !errors.As(err, &ue) || ue.Name != "x" || strings.Join(ue.Known, ",") != "a,b" {
		t.Errorf("Pick a,x: %v, want an UnknownCaseError naming x and the known a, b", err)
	}
}

func TestQuickPickMode(t *testing.T) {
	var names []string
	for _, k := range Quick(Cases()) {
		names = append(names, k.Name)
	}
	if strings.Contains(strings.Join(names, ","), "full-2MB") || len(names) != len(Cases())-1 {
		t.Errorf("Quick kept %v", names)
	}
	if got, err := PickCases("one-sector,rebuild-all"); err != nil || len(got) != 2 || got[0].Name != "rebuild-all" {
		t.Errorf("PickCases = %v, %v", got, err)
	}
	if m := (Options{Speed: 10}).Mode(); m != "speed 10" {
		t.Errorf("Mode = %q", m)
	}
	if m := (Options{Instant: true}).Mode(); m != "instant (RATIO is board time over the limit)" {
		t.Errorf("Mode = %q", m)
	}
}

// TestSelectCaseTable: named cases win over quick; quick drops what Quick
// drops; the case table has a line per case, its name first.
func TestSelectCaseTable(t *testing.T) {
	if got, err := Select("one-sector", true); err != nil || len(got) != 1 || got[0].Name != "one-sector" {
		t.Errorf("Select(one-sector, quick) = %v, %v", got, err)
	}
	var ue *UnknownCaseError
	if _, err := Select("nope", false); !errors.As(err, &ue) {
		t.Errorf("Select(nope) = %v, want an *UnknownCaseError", err)
	}
	if all, _ := Select("", false); len(all) != len(Cases()) {
		t.Errorf("Select all = %d cases, want %d", len(all), len(Cases()))
	}
	if q, _ := Select("", true); len(q) != len(Quick(Cases())) {
		t.Errorf("Select quick = %d cases, want %d", len(q), len(Quick(Cases())))
	}
	lines := strings.Split(strings.TrimSuffix(CaseTable(), "\n"), "\n")
	if len(lines) != len(Cases()) {
		t.Fatalf("CaseTable has %d lines, want %d:\n%s", len(lines), len(Cases()), CaseTable())
	}
	for i, k := range Cases() {
		if k.Summary == "" || lines[i] != "  "+k.Name+strings.Repeat(" ", max(1, 14-len(k.Name)))+k.Summary {
			t.Errorf("CaseTable line %q for %s (summary %q)", lines[i], k.Name, k.Summary)
		}
	}
}
