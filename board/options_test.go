package board

import (
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/usb"
)

// Sector numbers follow the board's flash layout: on a 1 MB dual-bank
// F42x (4x16K, 1x64K, 3x128K per bank) sector 8 is bank 2's first sector,
// nWRP bit 0 of the second block, not bit 8 of the first.
func TestOptionBytesSectorBits(t *testing.T) {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg,04*016Kg,01*064Kg,03*128Kg")
	if err != nil {
		t.Fatal(err)
	}
	chip, _ := Chip(usb.DeviceDescriptor{}, l)
	cur := []optionbytes.Block{{NWRP: 0x0fff}, {NWRP: 0x0fff}}
	c := OptionChange{Protect: []int{1, 8}}
	out, err := c.Apply(cur, l, chip)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].NWRP != 0x0ffd || out[1].NWRP != 0x0ffe {
		t.Fatalf("nWRP %04x %04x, want 0ffd 0ffe", out[0].NWRP, out[1].NWRP)
	}
	c = OptionChange{Protect: []int{16}}
	if _, err := c.Apply(cur, l, chip); err == nil {
		t.Fatal("sector 16 of a 16-sector board accepted")
	}
}
