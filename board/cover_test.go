package board

import (
	"strings"
	"testing"

	"github.com/softdfu/softdfu/dfu"
)

// TestCoverOf: a range of whole sectors is exact; one that starts or
// ends inside a sector names the parts outside it, and an END one byte
// into a sector is told apart.
func TestCoverOf(t *testing.T) {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	if err != nil {
		t.Fatal(err)
	}
	secs := l.All()
	c := CoverOf(Range{Start: 0x08000000, Length: 64 << 10}, secs[:4])
	if !c.Exact() || c.Lo != 0x08000000 || c.Hi != 0x08010000 || c.EndStartsSector {
		t.Errorf("sectors 0-3 for 0x08000000+64K: %+v", c)
	}
	// 0x08000000-0x08010000 inclusive: one byte of sector 4.
	c = CoverOf(Range{Start: 0x08000000, Length: 64<<10 + 1}, secs[:5])
	if c.Exact() || !c.EndStartsSector || len(c.Outside) != 1 || c.Outside[0] != (Range{Start: 0x08010001, Length: 64<<10 - 1}) {
		t.Errorf("one byte into sector 4: %+v", c)
	}
	// Inside sector 1 at both ends.
	c = CoverOf(Range{Start: 0x08004100, Length: 0x100}, secs[1:2])
	if len(c.Outside) != 2 || c.Outside[0] != (Range{Start: 0x08004000, Length: 0x100}) || c.Outside[1] != (Range{Start: 0x08004200, Length: 0x3e00}) || c.EndStartsSector {
		t.Errorf("inside sector 1: %+v", c)
	}
	if c := CoverOf(Range{Start: 0x08000000, Length: 1}, nil); !c.Exact() || c.Hi != 0 {
		t.Errorf("no sectors: %+v", c)
	}
}

// TestCoverText: the cover's span, what a partial cover erases beyond
// the range, and the hint for an END one byte into a sector (written
// START-END only).
func TestCoverText(t *testing.T) {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	if err != nil {
		t.Fatal(err)
	}
	c := CoverOf(Range{Start: 0x08000000, Length: 64<<10 + 1, Inclusive: true}, l.All()[:5])
	if got, want := c.String(), "sector 0-4, 0x08000000-0x0801ffff (131072 bytes)"; got != want {
		t.Errorf("String = %q; want %q", got, want)
	}
	if got, want := c.Partial(), "covers only part of sector 0-4: erasing them also erases 0x08010001-0x0801ffff, outside the range; nothing was erased"; got != want {
		t.Errorf("Partial = %q; want %q", got, want)
	}
	if got := c.EndHint(); !strings.Contains(got, "0x08010000 is the first byte of sector 4") || !strings.Contains(got, "0x08000000-0x0800ffff or 0x08000000+64K") {
		t.Errorf("EndHint = %q", got)
	}
	// The same range written START+LENGTH: no END to be off by one.
	c.Range.Inclusive = false
	if got := c.EndHint(); got != "" {
		t.Errorf("EndHint of 0x08000000+0x10001 = %q, want none", got)
	}
}
