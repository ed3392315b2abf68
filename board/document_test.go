package board

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestDocuments: a dual-bank F429's description and option bytes as
// documents, with the JSON field names front ends rely on.
func TestDocuments(t *testing.T) {
	ctx := context.Background()
	s, w := openSim(t, "discovery-f429:dfu")
	d, err := s.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	doc := d.Document(Describe(ctx, w, s.Board))
	s2, _ := openSim(t, "discovery-f429:dfu")
	if doc2, err := s2.Document(ctx); err != nil || !reflect.DeepEqual(doc, doc2) {
		t.Errorf("Session.Document %+v, %v; want %+v", doc2, err, doc)
	}
	if doc.Part != "STM32F427/429/437/439 (2 MB, dual bank)" || len(doc.OptionBytes) != 2 || doc.OptionBytes[0].Level == nil || doc.OptionBytes[1].Level != nil {
		t.Errorf("document %+v", doc)
	}
	if !slices.Contains(doc.OptionLines, "write-protected sectors: none") {
		t.Errorf("option lines %q", doc.OptionLines)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"alt_settings":[{"alt":0,`, `"option_bytes":[{"address":"0x1fffc000"`, `"rdp_level":0`, `"rom_bcd_device":"0x`, `"write_protected_sectors":[]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("%s lacks %s", b, key)
		}
	}
	if strings.Contains(string(b), "OptionLines") {
		t.Errorf("%s: the lines are for people only", b)
	}
	od := d.OptionBytes.Document(d.Chip, d.Flash)
	b, _ = json.Marshal(od)
	want := `{"blocks":[{"address":"0x1fffc000","nwrp":"0x0fff","raw":`
	if !strings.HasPrefix(string(b), want) || !strings.HasSuffix(string(b), `"bor_level":"off","rdp":"0xaa","rdp_level":0,"user":"0xef","write_protected_sectors":[]}`) {
		t.Errorf("option document %s", b)
	}
}

// TestOptionTextChange: values read as the option bytes take them; RDP
// level 2 only with the permanent lock, and the lock only with level 2.
func TestOptionTextChange(t *testing.T) {
	c, err := OptionText{RDP: "1", User: "0x6f", NWRP: "0x0ff3", BootAdd: [2]string{"", "0x40"}}.Change()
	if err != nil || *c.RDP != 0xBB || *c.User != 0x6f || *c.NWRP != 0x0ff3 || c.BootAdd[0] != nil || *c.BootAdd[1] != 0x40 {
		t.Errorf("change %+v, %v", c, err)
	}
	if c.Empty() {
		t.Error("a change is empty")
	}
	if c, err := (OptionText{}).Change(); err != nil || !c.Empty() {
		t.Errorf("no text: %+v, %v, want an empty change", c, err)
	}
	if c, err := (OptionText{Protect: "2,4-5", Unprotect: "0"}).Change(); err != nil || !slices.Equal(c.Protect, []int{2, 4, 5}) || !slices.Equal(c.Unprotect, []int{0}) || c.Empty() {
		t.Errorf("sectors: %+v, %v", c, err)
	}
	if c, err := (OptionText{RDP: "2", PermanentLock: true}).Change(); err != nil || *c.RDP != 0xCC {
		t.Errorf("level 2 with the lock: %+v, %v", c, err)
	}
	if _, err := (OptionText{RDP: "2"}).Change(); !errors.Is(err, ErrLockNotConfirmed) {
		t.Errorf("level 2 without the lock: %v", err)
	}
	if _, err := (OptionText{RDP: "1", PermanentLock: true}).Change(); !errors.Is(err, ErrLockWithoutLevel2) {
		t.Errorf("the lock with level 1: %v", err)
	}
	for _, tt := range []struct {
		text  OptionText
		field string
	}{
		{OptionText{RDP: "3"}, "RDP"}, {OptionText{User: "0x100"}, "User"}, {OptionText{NWRP: "zz"}, "NWRP"},
		{OptionText{BootAdd: [2]string{"0x10000"}}, "BootAdd0"}, {OptionText{BootAdd: [2]string{"", "x"}}, "BootAdd1"},
		{OptionText{Protect: "3-1"}, "Protect"}, {OptionText{Unprotect: "x"}, "Unprotect"},
	} {
		var ve *OptionValueError
		_, err := tt.text.Change()
		if !errors.As(err, &ve) || ve.Field != tt.field || KindOf(err) != Usage || strings.Contains(err.Error(), "--") {
			t.Errorf("%+v: %v, want a usage error about %s in library terms", tt.text, err, tt.field)
		}
	}
}

// TestPlanOptionChange: a change is checked before anything is written;
// the plan says what it does beyond the reset.
func TestPlanOptionChange(t *testing.T) {
	s, _ := openSim(t, "feather-f405:dfu")
	ctx := context.Background()
	flash := s.Layout()
	cur, err := s.OptionBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chip, _ := s.Chip()
	p, err := PlanOptionChange(cur, OptionChange{RDP: ptrTo(byte(0xCC))}, flash, chip, "1-1", Risks{})
	if err != nil || !p.Lock || p.MassErase || len(p.Want) != 1 || p.Want[0].RDP != 0xCC {
		t.Errorf("level 2: %+v, %v", p, err)
	}
	var re *RiskError
	if _, err := PlanOptionChange(cur, OptionChange{Protect: []int{0}}, flash, chip, "1-1", Risks{}); !errors.As(err, &re) || re.Risk != FreezeBoot {
		t.Errorf("protecting sector 0: %v, want the FreezeBoot risk", err)
	}
	if p, err := PlanOptionChange(cur, OptionChange{Protect: []int{0}}, flash, chip, "1-1", Risks{FreezeBoot: true}); err != nil || p.Want[0].NWRP != 0x0ffe {
		t.Errorf("protecting sector 0 with the risk accepted: %+v, %v", p, err)
	}
	if _, err := PlanOptionChange(cur, OptionChange{Protect: []int{12}}, flash, chip, "1-1", Risks{}); err == nil || !strings.Contains(err.Error(), "has sectors 0-11") {
		t.Errorf("sector 12: %v", err)
	}
	cur.Blocks[0].RDP, cur.Raw[0][1] = 0xBB, 0xBB
	if p, err := PlanOptionChange(cur, OptionChange{RDP: ptrTo(byte(0xAA))}, flash, chip, "1-1", Risks{}); err != nil || !p.MassErase || p.Lock {
		t.Errorf("level 1 to 0: %+v, %v", p, err)
	}
}

// TestUnprotectDocument: only what was observed.
func TestUnprotectDocument(t *testing.T) {
	if (*Unprotected)(nil).Document() != nil {
		t.Error("no result, a document")
	}
	for _, tt := range []struct {
		u    Unprotected
		want string
	}{
		{Unprotected{}, `{"rdp_level":0,"sent":false}`},
		{Unprotected{Level: 1, Sent: true}, `{"rdp_level":1,"sent":true}`},
		{Unprotected{Level: 1, Sent: true, Back: &Board{ID: "0483:df11", Mode: DFU}, Checked: true, Blank: true},
			`{"back":{"id":"0483:df11","mode":"dfu","serial":""},"blank":true,"rdp_level":1,"rdp_level_after":0,"sent":true}`},
	} {
		b, err := json.Marshal(tt.u.Document())
		if err != nil || string(b) != tt.want {
			t.Errorf("%+v: %s, %v; want %s", tt.u, b, err, tt.want)
		}
	}
}
