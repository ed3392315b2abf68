package part_test

import (
	"testing"

	"github.com/softdfu/softdfu/part"
)

// FuzzIdentify feeds Identify alternate-setting strings: it must not
// panic, and always returns a chip with flash.
func FuzzIdentify(f *testing.F) {
	for _, s := range []string{"@Option Bytes  /0x1FFFC000/01*016 e", "@Option Bytes /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e",
		"@Option byte   /0x1FFFF800/01*512g", "@Option/0x", "@option/0xZZ/1*", "@Option Bytes /0x5200201C/01*128Ke"} {
		f.Add(s)
	}
	flash := []part.Unit{{Address: 0x08000000, Size: 16 << 10}, {Address: 0x08004000, Size: 16 << 10}}
	f.Fuzz(func(t *testing.T, s string) {
		c, _ := part.Identify(part.Device{Vendor: 0x0483, Product: 0xdf11, AltNames: []string{s}, Flash: flash})
		if c == nil || len(c.Flash) == 0 {
			t.Fatalf("%q: no chip", s)
		}
	})
}

// FuzzProtection decodes arbitrary option-byte blocks (the input split in
// up to three) on every chip: no panic, a level of 0, 1 or 2, and only
// units of the chip's flash, in address order, each once.
func FuzzProtection(f *testing.F) {
	f.Add([]byte{0xFF, 0xAA, 0x00, 0x55}, uint8(1))
	f.Add(make([]byte, 80), uint8(2))
	f.Add(make([]byte, 128), uint8(1))
	chips := part.Chips()
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		var blocks [][]byte
		parts := int(n%3) + 1
		for i := range parts {
			blocks = append(blocks, b[i*len(b)/parts:(i+1)*len(b)/parts])
		}
		for _, c := range chips {
			p := c.Protection(blocks)
			if p.Level < 0 || p.Level > 2 {
				t.Fatalf("%s: level %d", c.Name, p.Level)
			}
			last := int64(-1)
			for _, u := range p.Protected {
				if _, ok := c.Unit(u.Address); !ok || int64(u.Address) <= last {
					t.Fatalf("%s: unit 0x%08x outside flash or out of order", c.Name, u.Address)
				}
				last = int64(u.Address)
			}
		}
	})
}
