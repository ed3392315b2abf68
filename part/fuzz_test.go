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
