package optionbytes

import (
	"bytes"
	"testing"
)

// FuzzDecode: a block of either layout's size decodes; an F4 block (and an
// F7 block whose complements match) encodes back to itself; encoding is
// idempotent, always yields matching complements and keeps the fields;
// the level is 0, 1 or 2 and Describe never panics; other lengths are
// errors.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0xEF, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0xEF, 0xCC, 0, 0, 0, 0, 0, 0, 0xFE, 0x0F, 0, 0, 0, 0, 0, 0})
	f.Add(f7Factory())
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, l := range []Layout{F4, F7} {
			x, err := DecodeAs(l, b)
			if (err == nil) != (len(b) == l.Size()) {
				t.Fatalf("%v, %d bytes: %v", l, len(b), err)
			}
			if err != nil {
				continue
			}
			enc := x.Encode()
			if x.ComplementsOK() && !bytes.Equal(enc, b) {
				t.Fatalf("%v: % x encodes back as % x", l, b, enc)
			}
			y, err := DecodeAs(l, enc)
			if err != nil || !y.ComplementsOK() || y.RDP != x.RDP || y.User != x.User || y.NWRP != x.NWRP || y.BootAdd != x.BootAdd {
				t.Fatalf("%v: % x re-decodes as %+v (%v), want the fields of %+v", l, enc, y, err, x)
			}
			if !bytes.Equal(y.Encode(), enc) {
				t.Fatalf("%v: encoding is not idempotent", l)
			}
			if lv := x.Level(); lv < 0 || lv > 2 {
				t.Fatalf("level %d", lv)
			}
			_ = x.Describe()
		}
	})
}
