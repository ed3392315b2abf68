package optionbytes

import (
	"bytes"
	"strings"
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

// f7Factory is the STM32F7 block at the factory values (RM0410 3.4; the
// NUCLEO-F767ZI dump quoted in the package comment), reserved words 0xFF.
func f7Factory() []byte {
	b := bytes.Repeat([]byte{0xFF}, SizeF7)
	copy(b[0:], []byte{0xFF, 0xAA, 0x00, 0x55})
	copy(b[8:], []byte{0xFF, 0xFF, 0x00, 0x00})
	copy(b[16:], []byte{0x80, 0x00, 0x7F, 0xFF})
	copy(b[24:], []byte{0x40, 0x00, 0xBF, 0xFF})
	return b
}

func TestDecodeF7(t *testing.T) {
	x, err := DecodeAs(F7, f7Factory())
	if err != nil {
		t.Fatal(err)
	}
	if x.RDP != 0xAA || x.User != 0xFF || x.NWRP != 0xFFFF || x.BootAdd != [2]uint16{0x0080, 0x0040} || !x.ComplementsOK() {
		t.Fatalf("decoded %+v", x)
	}
	if BootAddress(x.BootAdd[0]) != 0x00200000 || BootAddress(x.BootAdd[1]) != 0x00100000 {
		t.Errorf("boot addresses 0x%08x 0x%08x", BootAddress(x.BootAdd[0]), BootAddress(x.BootAdd[1]))
	}
	// nDBANK cleared, as on the forum's dual-bank F767: 0x2000DFFF.
	x.NWRP &^= F7NDBANK
	x.BootAdd[0] = F7BootFlashAXIM
	enc := x.Encode()
	if !bytes.Equal(enc[8:12], []byte{0xFF, 0xDF, 0x00, 0x20}) || !bytes.Equal(enc[16:20], []byte{0x00, 0x20, 0xFF, 0xDF}) {
		t.Errorf("encoded % x", enc)
	}
	if !bytes.Equal(enc[4:8], []byte{0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("reserved bytes changed: % x", enc[4:8])
	}
	bad := f7Factory()
	bad[3] = 0x54
	y, _ := DecodeAs(F7, bad)
	if y.ComplementsOK() || !strings.Contains(y.Describe(), "complement") {
		t.Errorf("a wrong complement goes unnoticed: %s", y.Describe())
	}
	if _, err := DecodeAs(F7, f7Factory()[:16]); err == nil {
		t.Error("a 16-byte F7 block accepted")
	}
	if d := x.Describe(); !strings.Contains(d, "nDBANK=0") || !strings.Contains(d, "BOOT0 low boots 0x08000000") {
		t.Errorf("describe:\n%s", d)
	}
}
