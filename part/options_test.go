package part_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/part"
)

// chipNamed returns the database chip whose name starts with prefix.
func chipNamed(t *testing.T, prefix string) *part.Chip {
	t.Helper()
	for _, c := range part.Chips() {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	t.Fatalf("no chip %q", prefix)
	return nil
}

// On STM32F7 one nWRP bit protects one sector in single-bank mode and two
// neighbouring sectors over both banks in dual-bank mode (RM0410 3.4).
func TestWRPBitF7(t *testing.T) {
	single := chipNamed(t, "STM32F765/767/769/777/779xI (2 MB, single bank)")
	dual := chipNamed(t, "STM32F765/767/769/777/779xI (2 MB, dual bank)")
	f722 := chipNamed(t, "STM32F722/723/732/733xE")
	for _, c := range []struct {
		chip      *part.Chip
		unit, bit int
	}{{single, 0, 0}, {single, 11, 11}, {dual, 0, 0}, {dual, 1, 0}, {dual, 11, 5}, {dual, 12, 6}, {dual, 23, 11}, {f722, 7, 7}} {
		blk, bit := c.chip.WRPBit(c.chip.Flash[c.unit].Address)
		if blk != 0 || bit != c.bit {
			t.Errorf("%s unit %d: block %d bit %d, want 0 %d", c.chip.Name, c.unit, blk, bit, c.bit)
		}
	}
	if !dual.HasBankOptions() || f722.HasBankOptions() {
		t.Error("nDBANK/nDBOOT: F76x has them, F72x does not")
	}
	// An F4 dual bank: the second block's bit 0 for bank 2's sector 0.
	f429 := chipNamed(t, "STM32F427/429/437/439")
	if blk, bit := f429.WRPBit(f429.Flash[12].Address); blk != 1 || bit != 0 {
		t.Errorf("F429 sector 12: block %d bit %d", blk, bit)
	}
}

// f7Block is an F7 option block with nWRP word nwrp.
func f7Block(nwrp uint16) []byte {
	b := bytes.Repeat([]byte{0xFF}, 32)
	b[0], b[1], b[8], b[9] = 0xFF, 0xAA, byte(nwrp), byte(nwrp>>8)
	return b
}

func TestProtectionEveryLayout(t *testing.T) {
	dual := chipNamed(t, "STM32F765/767/769/777/779xI (2 MB, dual bank)")
	p := dual.Protection([][]byte{f7Block(0xFFFF &^ (1 << 6))})
	if p.Level != 0 || len(p.Protected) != 2 || p.Protected[0].Address != dual.Flash[12].Address || p.Protected[1].Address != dual.Flash[13].Address || p.Unknown != "" {
		t.Errorf("F767 dual bank, bit 6 clear: %+v", p)
	}
	// L476: bank 1 area A pages 0-3, bank 2 area B page 255.
	l4 := chipNamed(t, "STM32L475/476/486xG")
	b1, b2 := bytes.Repeat([]byte{0xFF}, 40), bytes.Repeat([]byte{0xFF}, 40)
	b1[0] = 0xBB
	copy(b1[0x18:], []byte{0, 0, 3, 0})
	copy(b1[0x20:], []byte{0xFF, 0, 0, 0}) // start above end: none
	copy(b2[0x18:], []byte{0xFF, 0, 0, 0})
	copy(b2[0x20:], []byte{255, 0, 255, 0})
	p = l4.Protection([][]byte{b1, b2})
	if !p.HasRDP || p.Level != 1 || len(p.Protected) != 5 || p.Protected[3].Index != 3 || p.Protected[4].Bank != 1 || p.Protected[4].Index != 255 || p.Unknown != "" {
		t.Errorf("L476: level %d, %d protected, %q", p.Level, len(p.Protected), p.Unknown)
	}
	// G0B1: one block for two banks; bank 2 is said to be unknown.
	g0 := chipNamed(t, "STM32G0B1/G0C1xE")
	if p := g0.Protection([][]byte{b1}); !strings.Contains(p.Unknown, "bank 2") || len(p.Protected) != 4 {
		t.Errorf("G0B1: %+v", p.Unknown)
	}
	// H743: bank 1 sector 2 clear in FLASH_WPSN_CUR1R.
	h7 := chipNamed(t, "STM32H742/743/753xI")
	h := bytes.Repeat([]byte{0xFF}, 128)
	h[1], h[0x1C] = 0xAA, 0xFB
	if p := h7.Protection([][]byte{h}); p.Level != 0 || len(p.Protected) != 1 || p.Protected[0].Index != 2 || !strings.Contains(p.Unknown, "bank 2") {
		t.Errorf("H743: %+v", p)
	}
	// AT32: RDP (FAP) only.
	at := chipNamed(t, "AT32F435/437xM")
	if p := at.Protection([][]byte{{0xA5, 0x5A}}); p.Level != 0 || !strings.Contains(p.Unknown, "unknown layout") {
		t.Errorf("AT32: %+v", p)
	}
	// Every chip: a short block decodes without panicking.
	for _, c := range part.Chips() {
		_ = c.Protection([][]byte{{0xAA}})
		_ = c.Protection(nil)
	}
}

func TestChangeableFamilies(t *testing.T) {
	got := part.ChangeableFamilies()
	for _, f := range []string{"STM32F2", "STM32F4", "STM32F7", "GD32F4", "APM32F4"} {
		if !strings.Contains(got, f) {
			t.Errorf("%q lacks %s", got, f)
		}
	}
	for _, f := range []string{"STM32H7", "STM32L4", "STM32G0", "STM32G4", "STM32WB", "AT32"} {
		if strings.Contains(got, f) {
			t.Errorf("%q holds %s", got, f)
		}
	}
}
