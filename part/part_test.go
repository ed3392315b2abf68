package part

import (
	"testing"

	"github.com/softdfu/softdfu/dfu"
)

func layout(t *testing.T, s string) dfu.Layout {
	t.Helper()
	l, err := dfu.ParseLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFromLayout(t *testing.T) {
	tests := []struct {
		layout string
		name   string
		ok     bool
		stack  map[uint32]bool
	}{
		{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "STM32F405/407/415/417 (1 MB)", true,
			map[uint32]bool{0x20020000: true, 0x20020004: false, 0x20000000: false, 0x10010000: true, 0x10000000: false, 0x08000000: false}},
		// 256 KB: F401xC has 64 KB of SRAM, F411xC and F446xC 128 KB; the
		// guard must accept an image for any of them.
		{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,01*128Kg", "STM32F401xC, STM32F411xC or STM32F446xC (256 KB)", true,
			map[uint32]bool{0x20010000: true, 0x20020000: true, 0x20020004: false, 0x10001000: false}},
		{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg", "STM32F401xE, STM32F411xE or STM32F446xE (512 KB)", true,
			map[uint32]bool{0x20020000: true, 0x20020001: false}},
		{"@Internal Flash  /0x08000000/02*016Kg", "unknown STM32F4", false,
			map[uint32]bool{0x20050000: true, 0x20050004: false, 0x10010000: true}},
	}
	for _, tc := range tests {
		f, ok := FromLayout(layout(t, tc.layout))
		if f.Name != tc.name || ok != tc.ok {
			t.Errorf("%s: got %q %v, want %q %v", tc.layout, f.Name, ok, tc.name, tc.ok)
		}
		for msp, want := range tc.stack {
			if got := f.StackOK(msp); got != want {
				t.Errorf("%s: StackOK(0x%08x) = %v, want %v", tc.name, msp, got, want)
			}
		}
	}
}

func TestWRPBit(t *testing.T) {
	l := layout(t, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg")
	secs := l.All()
	tests := []struct{ i, block, bit int }{{0, 0, 0}, {4, 0, 4}, {11, 0, 11}, {12, 1, 0}, {23, 1, 11}}
	for _, tc := range tests {
		b, bit := WRPBit(l, secs[tc.i])
		if b != tc.block || bit != tc.bit {
			t.Errorf("sector %d: block %d bit %d, want %d %d", tc.i, b, bit, tc.block, tc.bit)
		}
	}
	if b, bit := WRPBit(l, dfu.Sector{Address: 0x1000}); b != -1 || bit != -1 {
		t.Errorf("unknown sector: %d %d", b, bit)
	}
}
