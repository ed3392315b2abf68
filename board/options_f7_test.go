package board

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim"
)

// dualBankF767 registers a simulated NUCLEO-F767ZI in dual-bank mode
// (nDBANK = 0) for the test.
func dualBankF767(t *testing.T) string {
	t.Helper()
	var chip *part.Chip
	for _, c := range part.Chips() {
		if strings.HasPrefix(c.Name, "STM32F765/767/769/777/779xI (2 MB, dual bank)") {
			chip = c
		}
	}
	name := "test-f767zi-dualbank"
	sim.Boards[name] = &sim.BoardModel{Name: name, Part: sim.PartOf("STM32F767ZI", chip, 0x2200, [12]byte{1, 2, 3}), HSEMHz: 8, Factory: "micropython"}
	t.Cleanup(func() { delete(sim.Boards, name) })
	return name
}

// On a dual-bank STM32F767 one nWRP bit protects two sectors counted over
// both banks: protecting sector 13 sets bit 6, which protects sectors 12
// and 13; the simulated ROM takes the block, resets, and the host reads
// the protection back. Changing nDBANK needs its risk allowed.
func TestF7DualBankOptionBytes(t *testing.T) {
	ctx := context.Background()
	s, _ := openSim(t, dualBankF767(t)+":dfu")
	flash := s.Layout()
	cur, err := s.OptionBytes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The option-byte string tells it from a 2 MB STM32F429.
	chip, known := s.Chip()
	if !known || chip.Name != "STM32F765/767/769/777/779xI (2 MB, dual bank)" || cur.Chip != chip {
		t.Fatalf("identified as %s (known %v), option bytes decoded for %s", chip.Name, known, cur.Chip.Name)
	}
	if len(cur.Blocks) != 1 || cur.Blocks[0].Layout != optionbytes.F7 || cur.Blocks[0].NWRP != 0xDFFF || cur.Level() != 0 {
		t.Fatalf("option bytes %+v", cur.Blocks)
	}
	want, err := OptionChange{Protect: []int{13}}.Apply(cur.Blocks, flash, chip)
	if err != nil {
		t.Fatal(err)
	}
	if want[0].NWRP != 0xDFBF {
		t.Fatalf("nWRP 0x%04x, want 0xdfbf (bit 6)", want[0].NWRP)
	}
	if err := CheckOptionChange(cur.Blocks, want, flash, chip, Risks{}); err != nil {
		t.Fatal(err)
	}
	flip := append([]optionbytes.Block(nil), cur.Blocks...)
	flip[0].NWRP |= optionbytes.F7NDBANK
	var re *RiskError
	if err := CheckOptionChange(cur.Blocks, flip, flash, chip, Risks{}); !errors.As(err, &re) || re.Risk != ChangeBankMode {
		t.Fatalf("nDBANK change: %v, want a bank-mode risk", err)
	}
	if err := CheckOptionChange(cur.Blocks, flip, flash, chip, Risks{ChangeBankMode: true}); err != nil {
		t.Fatalf("nDBANK change allowed: %v", err)
	}
	w, err := s.WriteOptionBytes(ctx, cur, want, WriteOptions{Timeout: 5 * time.Second})
	if err != nil || w.Blocks != 1 || w.Now == nil || w.Mismatch != nil {
		t.Fatalf("written %+v, %v", w, err)
	}
	var got []int
	for _, sec := range w.Now.Protected(chip, flash.All()) {
		got = append(got, sec.Index)
	}
	if len(got) != 2 || got[0] != 12 || got[1] != 13 {
		t.Fatalf("write-protected sectors %v, want [12 13]", got)
	}
	if raw := w.Now.Raw[0]; raw[8] != 0xBF || raw[9] != 0xDF || raw[10] != 0x40 || raw[11] != 0x20 {
		t.Fatalf("stored % x", raw[8:12])
	}
}

// Families whose option-byte layout softdfu does not write refuse a
// change before anything is sent, naming the families it can change and
// STM32CubeProgrammer.
func TestOptionWriteRefusedWhereLayoutUnknown(t *testing.T) {
	ctx := context.Background()
	for _, b := range []string{"nucleo-h743zi", "nucleo-l476rg", "nucleo-g0b1re", "nucleo-g431rb", "nucleo-wb55", "at-start-f437"} {
		t.Run(b, func(t *testing.T) {
			s, w := openSim(t, b+":dfu")
			before := w.Boards()[0].OptionBlock(0)
			cur, err := s.OptionBytes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Blocks != nil || cur.Level() != 0 {
				t.Fatalf("blocks %v, level %d", cur.Blocks, cur.Level())
			}
			chip, _ := s.Chip()
			if _, err := (OptionChange{RDP: ptrByte(0xBB)}).Apply(cur.Blocks, s.Layout(), chip); KindOf(err) != Guard || !strings.Contains(err.Error(), "STM32CubeProgrammer") {
				t.Errorf("apply: %v", err)
			}
			_, err = s.WriteOptionBytes(ctx, cur, []optionbytes.Block{{}}, WriteOptions{Timeout: time.Second})
			if KindOf(err) != Guard || !strings.Contains(err.Error(), "softdfu changes option bytes only on "+part.ChangeableFamilies()) {
				t.Errorf("write: %v", err)
			}
			if string(w.Boards()[0].OptionBlock(0)) != string(before) {
				t.Error("the option bytes changed")
			}
		})
	}
}

func ptrByte(b byte) *byte { return &b }
