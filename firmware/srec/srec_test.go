package srec

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		segs  []firmware.Segment
		entry uint32
	}{
		{
			name: "S0 S1 S2 S3 S5 S7, CRLF",
			in:   "S0060000686472BB\r\nS10510000102E7\r\nS205123456AAB4\r\nS3090800000000000220CC\r\nS5030003F9\r\nS70508000101F0\r\n",
			segs: []firmware.Segment{
				{Address: 0x1000, Data: []byte{1, 2}},
				{Address: 0x123456, Data: []byte{0xAA}},
				{Address: 0x08000000, Data: []byte{0, 0, 2, 0x20}},
			},
			entry: 0x08000101,
		},
		{
			name:  "S8 entry, S6 count",
			in:    "S10510000102E7\nS205123456AAB4\nS3090800000000000220CC\nS604000003F8\nS8041234565F\n",
			segs:  []firmware.Segment{{Address: 0x1000, Data: []byte{1, 2}}, {Address: 0x123456, Data: []byte{0xAA}}, {Address: 0x08000000, Data: []byte{0, 0, 2, 0x20}}},
			entry: 0x123456,
		},
		{
			name:  "S9 entry, last byte of the address space, no trailing newline",
			in:    "S306FFFFFFFF11EC\nS9031234B6",
			segs:  []firmware.Segment{{Address: 0xFFFFFFFF, Data: []byte{0x11}}},
			entry: 0x1234,
		},
		{
			name: "no termination record",
			in:   "S10510000102E7\n",
			segs: []firmware.Segment{{Address: 0x1000, Data: []byte{1, 2}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !equalSegs(img.Segments, tc.segs) {
				t.Errorf("segments = %v, want %v", img.Segments, tc.segs)
			}
			if img.Entry != tc.entry {
				t.Errorf("entry = %#x, want %#x", img.Entry, tc.entry)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad checksum", "S10510000102E8\n", "line 1: checksum is 0xE8 but the record needs 0xE7"},
		{"truncated", "S10510000102\n", "line 1: byte count says 5 but the record holds 4 bytes"},
		{"odd digits", "S1051000010\n", "line 1: record has 9 hex digits"},
		{"S4", "S4030000FC\n", "line 1: unknown record type \"S4\""},
		{"not srec", "hello\n", "line 1: starts with 'h', not 'S'"},
		{"bad digit", "S1051000010GE7\n", "line 1: column 11: \"0G\" is not a hex digit"},
		{"count wrong", "S10510000102E7\nS5030002FA\n", "line 2: S5 record counts 2 data records but the file has 1"},
		{"too short for address", "S3030000FC\n", "line 1: S3 record holds 3 bytes, too few for a 4-byte address"},
		{"past 4 GiB", "S307FFFFFFFF1122C9\n", "line 1: data at 0xFFFFFFFF-0x100000000 goes past 4 GiB"},
		{"overlap", "S3090800000000000220CC\nS3060800000233BC\n", "segments overlap"},
		{"empty", "", "no S-records found"},
		{"long line", "S3" + strings.Repeat("0", 700), "line 1: line is longer than 600"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !errors.Is(err, firmware.ErrInvalid) {
				t.Errorf("error %q does not contain %q or is not ErrInvalid", err, tc.want)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	img := &firmware.Image{
		Segments: []firmware.Segment{{Address: 0x08000000, Data: []byte{0, 0, 2, 0x20}}, {Address: 0xFFFFFFFF, Data: []byte{0x11}}},
		Entry:    0x08000101,
	}
	var b bytes.Buffer
	if err := Write(&b, img, Options{Header: "hdr"}); err != nil {
		t.Fatal(err)
	}
	want := "S0060000686472BB\nS3090800000000000220CC\nS306FFFFFFFF11EC\nS70508000101F0\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func equalSegs(a, b []firmware.Segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Address != b[i].Address || a[i].Alt != b[i].Alt || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("S0060000686472BB\r\nS10510000102E7\r\nS205123456AAB4\r\nS3090800000000000220CC\r\nS5030003F9\r\nS70508000101F0\r\n"))
	f.Add([]byte("S306FFFFFFFF11EC\nS9031234B6"))
	f.Add([]byte("S10510000102E7\nS604000003F8\nS8041234565F\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(b)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, img, Options{}); err != nil {
			t.Fatalf("write of a parsed image: %v", err)
		}
		back, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if !equalSegs(back.Segments, img.Segments) || back.Entry != img.Entry {
			t.Fatalf("round trip changed the image")
		}
	})
}
