package optionbytes

import (
	"bytes"
	"testing"
)

func TestDecode(t *testing.T) {
	raw := []byte{0xEF, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	x, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if x.Level() != 0 || x.User != 0xEF || x.BORLevel() != "off" {
		t.Errorf("decoded %+v", x)
	}
	if p := x.Protected(); len(p) != 1 || p[0] != 0 {
		t.Errorf("protected %v, want [0]", p)
	}
	if !bytes.Equal(x.Encode(), raw) {
		t.Errorf("encode % x", x.Encode())
	}
	for rdp, lvl := range map[byte]int{0xAA: 0, 0xCC: 2, 0x00: 1, 0x55: 1} {
		x.RDP = rdp
		if x.Level() != lvl {
			t.Errorf("RDP %02x level %d, want %d", rdp, x.Level(), lvl)
		}
	}
	if _, err := Decode(raw[:8]); err == nil {
		t.Error("short block accepted")
	}
}
