package dfuse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/suffix"
)

func sample() *firmware.Image {
	return &firmware.Image{Segments: []firmware.Segment{
		{Address: 0x08000000, Data: []byte{0, 0, 2, 0x20, 0x01, 0x01, 0, 8}},
		{Address: 0x08004000, Data: []byte{1, 2, 3}},
		{Address: 0x1FFFC000, Data: []byte{0xAA, 0xEF}, Alt: 1},
	}}
}

func TestMarshalLayout(t *testing.T) {
	b, err := Marshal(sample(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	// prefix 11 + 2 targets * 274 + 3 elements * 8 + 13 data bytes + suffix 16
	if want := 11 + 2*274 + 3*8 + 13 + 16; len(b) != want {
		t.Fatalf("len = %d, want %d", len(b), want)
	}
	if string(b[:5]) != "DfuSe" || b[5] != 1 || le.Uint32(b[6:]) != uint32(len(b)-16) || b[10] != 2 {
		t.Errorf("prefix = %x", b[:11])
	}
	tg := b[11:]
	if string(tg[:6]) != "Target" || tg[6] != 0 || le.Uint32(tg[7:]) != 1 || string(tg[11:16]) != "ST..." ||
		le.Uint32(tg[266:]) != 8+8+8+3 || le.Uint32(tg[270:]) != 2 {
		t.Errorf("target 0 prefix wrong: %x", tg[:16])
	}
	s, _, found, err := suffix.Parse(b)
	if err != nil || !found || s != (suffix.Suffix{Device: 0, Product: 0xDF11, Vendor: 0x0483, DFU: 0x011A}) {
		t.Errorf("suffix = %+v %v %v", s, found, err)
	}
	img, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	if len(img.Segments) != 3 {
		t.Fatalf("segments %v", img.Segments)
	}
	for i := range want.Segments {
		g, w := img.Segments[i], want.Segments[i]
		if g.Address != w.Address || g.Alt != w.Alt || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("segment %d = %v, want %v", i, g, w)
		}
	}
	if img.Vendor != 0x0483 || img.Product != 0xDF11 || img.Format != "dfuse" {
		t.Errorf("ids %04x:%04x format %q", img.Vendor, img.Product, img.Format)
	}
	// With the suffix counted in the image size.
	b2, err := Marshal(sample(), Options{SizeWithSuffix: true})
	if err != nil {
		t.Fatal(err)
	}
	if le.Uint32(b2[6:]) != uint32(len(b2)) {
		t.Errorf("size with suffix = %d, want %d", le.Uint32(b2[6:]), len(b2))
	}
	if img2, err := Parse(b2); err != nil || len(img2.Segments) != 3 {
		t.Errorf("Parse with suffix counted: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	good, _ := Marshal(sample(), Options{Vendor: 0x1209, Product: 0x0001})
	// resuffix recomputes the suffix after a change to the body.
	resuffix := func(f func(b []byte)) []byte {
		b := bytes.Clone(good[:len(good)-16])
		f(b)
		return suffix.Append(b, suffix.Decode(good))
	}
	le := binary.LittleEndian
	badCRC := bytes.Clone(good)
	badCRC[20] ^= 0xFF
	tests := []struct {
		name string
		in   []byte
		want string
		err  error
	}{
		{"bad CRC", badCRC, "DFU suffix CRC is", firmware.ErrInvalid},
		{"no suffix", good[:len(good)-16], "has no DFU suffix", firmware.ErrInvalid},
		{"truncated", suffix.Append(bytes.Clone(good[:300]), suffix.Decode(good)), "prefix says the file is 596 bytes but it is 316 (300 without the suffix)", firmware.ErrInvalid},
		{"bad signature", resuffix(func(b []byte) { b[0] = 'd' }), "byte 0: the file does not start with the \"DfuSe\" prefix", firmware.ErrInvalid},
		{"version 2", resuffix(func(b []byte) { b[5] = 2 }), "prefix version is 2", firmware.ErrUnsupported},
		{"target signature", resuffix(func(b []byte) { b[11] = 't' }), "byte 11: target 0 of 2 does not start with \"Target\"", firmware.ErrInvalid},
		{"too many targets", resuffix(func(b []byte) { b[10] = 3 }), "target 2 of 3: the file ends inside its 274-byte prefix", firmware.ErrInvalid},
		{"too few targets", resuffix(func(b []byte) { b[10] = 1 }), "bytes follow the last of the 1 targets", firmware.ErrInvalid},
		{"target size too big", resuffix(func(b []byte) { le.PutUint32(b[11+266:], 5000) }), "target 0 (alt 0) says it holds 5000 bytes", firmware.ErrInvalid},
		{"element too big", resuffix(func(b []byte) { le.PutUint32(b[11+274+4:], 500) }), "element 0 says 500 bytes at 0x08000000", firmware.ErrInvalid},
		{"element count too big", resuffix(func(b []byte) { le.PutUint32(b[11+270:], 3) }), "element 2 of 3: the target's 27 bytes end inside the element header", firmware.ErrInvalid},
		{"element count too small", resuffix(func(b []byte) { le.PutUint32(b[11+270:], 1) }), "has 11 bytes after its 1 elements", firmware.ErrInvalid},
		{"past 4 GiB", resuffix(func(b []byte) { le.PutUint32(b[11+274:], 0xFFFFFFFC) }), "go past 4 GiB", firmware.ErrInvalid},
		{"overlap", resuffix(func(b []byte) { le.PutUint32(b[11+274+16:], 0x08000004) }), "segments overlap", firmware.ErrInvalid},
		{"plain DFU suffix", suffix.Append(bytes.Clone(good[:len(good)-16]), suffix.Suffix{DFU: suffix.DFU11}), "suffix bcdDFU is 0x0100", firmware.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %q (%v)", err, tc.want, tc.err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	good, _ := Marshal(sample(), Options{})
	f.Add(good)
	empty, _ := Marshal(&firmware.Image{}, Options{})
	f.Add(empty)
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(b)
		if err != nil {
			return
		}
		out, err := Marshal(img, Options{Vendor: img.Vendor, Product: img.Product, Device: img.Device})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if len(back.Segments) != len(img.Segments) {
			t.Fatalf("round trip changed the segments")
		}
	})
}
