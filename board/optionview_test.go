package board

import (
	"slices"
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// TestOptionView: on a dual-bank F42x the second block's nWRP bits
// protect bank 2's sectors, numbered as in the flash layout; RDP lives in
// the first block only. A family not laid out like an STM32F4 shows only
// its RDP byte.
func TestOptionView(t *testing.T) {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg,04*016Kg,01*064Kg,03*128Kg")
	if err != nil {
		t.Fatal(err)
	}
	chip, _ := Chip(usb.DeviceDescriptor{}, l)
	b0, b1 := optionbytes.Block{RDP: 0xAA, User: 0xef, NWRP: 0x0ffd}, optionbytes.Block{NWRP: 0x0ffe}
	o := &OptionBytes{Addrs: []uint32{0x1fffc000, 0x1ffec000}, Raw: [][]byte{b0.Encode(), b1.Encode()}, Blocks: []optionbytes.Block{b0, b1}}
	v := o.View(chip, l.All())
	if len(v) != 2 || !v[0].Decoded || !v[0].HasRDP || v[1].HasRDP || v[0].Level != 0 {
		t.Fatalf("views %+v", v)
	}
	if !slices.Equal(v[0].Protected, []int{1}) || !slices.Equal(v[1].Protected, []int{8}) {
		t.Errorf("protected %v and %v, want [1] and [8]", v[0].Protected, v[1].Protected)
	}
	other := &part.Chip{Family: &part.Family{Name: "other", Options: part.Options{RDP: part.RDP{Offset: 0, Level0: 0xA5}}}}
	o = &OptionBytes{Addrs: []uint32{0x1ffff800}, Raw: [][]byte{{0x5a, 0xa5}}}
	v = o.View(other, l.All())
	if len(v) != 1 || v[0].Decoded || !v[0].HasRDP || v[0].RDP != 0x5a || v[0].Level != 1 || v[0].Protected != nil {
		t.Errorf("views of a family with RDP only: %+v", v)
	}
	if (*OptionBytes)(nil).View(chip, l.All()) != nil {
		t.Error("no option bytes, views not nil")
	}
}
