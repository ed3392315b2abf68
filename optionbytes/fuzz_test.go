package optionbytes

import (
	"bytes"
	"testing"
)

// FuzzDecode: a 16-byte block decodes and encodes back to itself, its
// level is 0, 1 or 2 and Describe never panics; other lengths are errors.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{0xEF, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0xEF, 0xCC, 0, 0, 0, 0, 0, 0, 0xFE, 0x0F, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := Decode(b)
		if (err == nil) != (len(b) == Size) {
			t.Fatalf("%d bytes: %v", len(b), err)
		}
		if err != nil {
			return
		}
		if got := x.Encode(); !bytes.Equal(got, b) {
			t.Fatalf("% x encodes back as % x", b, got)
		}
		if l := x.Level(); l < 0 || l > 2 {
			t.Fatalf("level %d", l)
		}
		_ = x.Describe()
	})
}
