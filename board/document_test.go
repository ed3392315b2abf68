package board

import (
	"context"
	"encoding/json"
	"errors"
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
		{OptionText{RDP: "3"}, "RDP"}, {OptionText{User: "0x100"}, "USER"}, {OptionText{NWRP: "zz"}, "nWRP"},
		{OptionText{BootAdd: [2]string{"0x10000"}}, "BOOT_ADD0"}, {OptionText{BootAdd: [2]string{"", "x"}}, "BOOT_ADD1"},
	} {
		var ve *OptionValueError
		_, err := tt.text.Change()
		if !errors.As(err, &ve) || ve.Field != tt.field || KindOf(err) != Usage || strings.Contains(err.Error(), "--") {
			t.Errorf("%+v: %v, want a usage error about %s in library terms", tt.text, err, tt.field)
		}
	}
}
