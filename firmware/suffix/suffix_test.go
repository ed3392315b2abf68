package suffix

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

func TestAppendParse(t *testing.T) {
	body := []byte("hello")
	b := Append(append([]byte(nil), body...), Suffix{Device: 0x0200, Product: 0xDF11, Vendor: 0x0483, DFU: DfuSe})
	want := []byte("hello\x00\x02\x11\xdf\x83\x04\x1a\x01UFD\x10")
	if !bytes.Equal(b[:len(b)-4], want) {
		t.Fatalf("suffix bytes = %x, want %x", b[:len(b)-4], want)
	}
	// The CRC is the IEEE CRC-32 without the final inversion.
	if got := StoredCRC(b); got != CRC(b[:len(b)-4]) {
		t.Fatalf("crc = %#x", got)
	}
	s, rest, found, err := Parse(b)
	if err != nil || !found {
		t.Fatalf("Parse: found %v, %v", found, err)
	}
	if !bytes.Equal(rest, body) || s != (Suffix{Device: 0x0200, Product: 0xDF11, Vendor: 0x0483, DFU: DfuSe}) {
		t.Errorf("Parse = %+v %q", s, rest)
	}
}

func TestCRCKnownValue(t *testing.T) {
	// CRC-32 of "123456789" is 0xCBF43926; DFU keeps it un-inverted.
	if got := CRC([]byte("123456789")); got != ^uint32(0xCBF43926) {
		t.Errorf("CRC = %#x, want %#x", got, ^uint32(0xCBF43926))
	}
	h := NewHash()
	h.Write([]byte("1234"))
	h.Write([]byte("56789"))
	if h.Sum32() != ^uint32(0xCBF43926) {
		t.Errorf("Hash = %#x", h.Sum32())
	}
}

func TestParseErrors(t *testing.T) {
	good := Append([]byte("firmware"), Suffix{Vendor: 0xFFFF, Product: 0xFFFF, Device: 0xFFFF, DFU: DFU11})
	badCRC := bytes.Clone(good)
	badCRC[0] ^= 1
	badLen := bytes.Clone(good)
	badLen[len(badLen)-5] = 12
	tests := []struct {
		name string
		in   []byte
		want string
		err  error
	}{
		{"bad CRC", badCRC, "DFU suffix CRC is", firmware.ErrInvalid},
		{"bad length", badLen, "has bLength 12, want 16", firmware.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, found, err := Parse(tc.in)
			if !found || err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
				t.Errorf("found %v, err %v; want %q (%v)", found, err, tc.want, tc.err)
			}
		})
	}
	// No suffix is not an error.
	for _, in := range [][]byte{nil, []byte("short"), bytes.Repeat([]byte{0xFF}, 64)} {
		if _, rest, found, err := Parse(in); found || err != nil || !bytes.Equal(rest, in) {
			t.Errorf("Parse(%x) = found %v, %v", in, found, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Append([]byte("x"), Suffix{Vendor: 0x0483, Product: 0xDF11, DFU: DfuSe}))
	f.Add([]byte("0123456789abUFD\x10\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, rest, found, err := Parse(b)
		if err != nil || !found {
			return
		}
		if again := Append(bytes.Clone(rest), s); !bytes.Equal(again, b) {
			t.Fatalf("re-append differs: %x vs %x", again, b)
		}
	})
}
