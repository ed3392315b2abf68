package ihex

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
			name: "linear address, CRLF, lower case, entry",
			in: ":020000040800F2\r\n:0400000000000220DA\r\n:0400040001000008EF\r\n" +
				":0400000508000101ED\r\n:00000001FF\r\n",
			segs:  []firmware.Segment{{Address: 0x08000000, Data: []byte{0, 0, 2, 0x20, 1, 0, 0, 8}}},
			entry: 0x08000101,
		},
		{
			name: "segment address and start segment address",
			in:   ":020000021000EC\n:02000000AABB99\n:0400000312340010A3\n:00000001FF\n",
			segs: []firmware.Segment{{Address: 0x10000, Data: []byte{0xAA, 0xBB}}},
			// CS=0x1234, IP=0x0010.
			entry: 0x12350,
		},
		{
			name: "sparse span: one byte at 0x08000000, one at 0xFFFFFF00",
			in:   ":020000040800F2\n:0100000011EE\n:02000004FFFFFC\n:01FF000022DE\n:00000001FF\n",
			segs: []firmware.Segment{{Address: 0x08000000, Data: []byte{0x11}}, {Address: 0xFFFFFF00, Data: []byte{0x22}}},
		},
		{
			name: "records out of order are sorted and joined",
			in:   ":02000200CCDD53\n:02000000AABB99\n:00000001FF\n",
			segs: []firmware.Segment{{Address: 0, Data: []byte{0xAA, 0xBB, 0xCC, 0xDD}}},
		},
		{
			name: "last byte of the address space",
			in:   ":02000004FFFFFC\n:01FFFF0011F0\n:00000001FF\n",
			segs: []firmware.Segment{{Address: 0xFFFFFFFF, Data: []byte{0x11}}},
		},
		{
			name: "blank lines and text after EOF record ignored",
			in:   "\n:0100000011EE\n\n:00000001FF\ngarbage\n",
			segs: []firmware.Segment{{Address: 0, Data: []byte{0x11}}},
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
			if img.Format != "ihex" {
				t.Errorf("format = %q", img.Format)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"bad checksum", ":0100000011EF\n:00000001FF\n", "line 1: checksum is 0xEF but the record needs 0xEE", firmware.ErrInvalid},
		{"truncated record", ":0400000000000220\n:00000001FF\n", "line 1: byte count says 4 data bytes but the record holds 3", firmware.ErrInvalid},
		{"odd digits", ":0100000011E\n", "line 1: record has 11 hex digits", firmware.ErrInvalid},
		{"too short", ":00\n", "line 1: record has 2 hex digits", firmware.ErrInvalid},
		{"no EOF record", ":0100000011EE\n", "file ends after line 1 without an end-of-file record", firmware.ErrInvalid},
		{"empty", "", "file ends after line 0 without an end-of-file record", firmware.ErrInvalid},
		{"not hex", "hello\n", "line 1: starts with 'h', not ':'", firmware.ErrInvalid},
		{"bad digit", ":01000000G1EE\n", "line 1: column 10: \"G1\" is not a hex digit", firmware.ErrInvalid},
		{"unknown type", ":00000006FA\n", "line 1: unknown record type 06", firmware.ErrInvalid},
		{"bad 04 length", ":0100000408F3\n", "line 1: record type 04 carries 1 data bytes, want 2", firmware.ErrInvalid},
		{"bad 05 length", ":020000050800F1\n", "line 1: record type 05 carries 2 data bytes, want 4", firmware.ErrInvalid},
		{"EOF with data", ":01000001FFFF\n", "line 1: end-of-file record carries 1 data bytes", firmware.ErrInvalid},
		{"past 4 GiB", ":02000004FFFFFC\n:02FFFF001122CD\n:00000001FF\n", "line 2: data at 0xFFFFFFFF-0x100000000 goes past 4 GiB", firmware.ErrInvalid},
		{"overlap", ":020000001122CB\n:0100010033CB\n:00000001FF\n", "segments overlap: 0x00000000-0x00000001 and 0x00000001-0x00000001", firmware.ErrInvalid},
		{"long line", ":" + strings.Repeat("0", 700) + "\n", "line 1: line is longer than 600 characters", firmware.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %q is not %v", err, tc.err)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	img := &firmware.Image{
		Segments: []firmware.Segment{
			{Address: 0x0800FFFE, Data: []byte{1, 2, 3, 4}},
			{Address: 0x08020000, Data: bytes.Repeat([]byte{0xAB}, 20)},
		},
		Entry: 0x08000101,
	}
	var b bytes.Buffer
	if err := Write(&b, img, Options{}); err != nil {
		t.Fatal(err)
	}
	want := ":020000040800F2\n" +
		":02FFFE000102FE\n" + // cut at the 64 KiB boundary
		":020000040801F1\n" +
		":020000000304F7\n" +
		":020000040802F0\n" +
		":10000000ABABABABABABABABABABABABABABABAB40\n" +
		":04001000ABABABAB40\n" +
		":0400000508000101ED\n" +
		":00000001FF\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	back, err := Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !equalSegs(back.Segments, img.Segments) || back.Entry != img.Entry {
		t.Errorf("round trip: %v entry %#x", back.Segments, back.Entry)
	}
}

func TestWriteRefusesAlt(t *testing.T) {
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x1FFFC000, Data: []byte{1}, Alt: 1}}}
	if err := Write(&bytes.Buffer{}, img, Options{}); !errors.Is(err, firmware.ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported", err)
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
	f.Add([]byte(":020000040800F2\n:0400000000000220DA\n:0400000508000101ED\n:00000001FF\n"))
	f.Add([]byte(":020000021000EC\n:02000000AABB99\n:0400000312340010A3\n:00000001FF\n"))
	f.Add([]byte(":02000004FFFFFC\n:01FFFF0011F0\n:00000001FF\n"))
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
