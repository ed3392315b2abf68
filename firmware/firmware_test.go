package firmware

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

func TestBytes(t *testing.T) {
	img := &Image{Segments: []Segment{
		{Address: 0x100, Data: []byte{1, 2, 3}},
		{Address: 0x105, Data: []byte{4}},
		{Address: 0x100, Data: []byte{9}, Alt: 1},
	}}
	tests := []struct {
		alt  uint8
		addr uint32
		n    int
		data []byte
		cov  []bool
	}{
		{0, 0xFE, 9, []byte{0xFF, 0xFF, 1, 2, 3, 0xFF, 0xFF, 4, 0xFF}, []bool{false, false, true, true, true, false, false, true, false}},
		{0, 0x101, 1, []byte{2}, []bool{true}},
		{1, 0x100, 2, []byte{9, 0xFF}, []bool{true, false}},
		{2, 0x100, 1, []byte{0xFF}, []bool{false}},
		{0, 0xFFFFFFFE, 4, []byte{0xFF, 0xFF, 0xFF, 0xFF}, []bool{false, false, false, false}},
		{0, 0, -1, []byte{}, []bool{}},
	}
	for _, tc := range tests {
		data, cov := img.Bytes(tc.alt, tc.addr, tc.n)
		if !bytes.Equal(data, tc.data) || len(cov) != len(tc.cov) {
			t.Errorf("Bytes(%d, %#x, %d) = %x %v, want %x %v", tc.alt, tc.addr, tc.n, data, cov, tc.data, tc.cov)
			continue
		}
		for i := range cov {
			if cov[i] != tc.cov[i] {
				t.Errorf("Bytes(%d, %#x, %d) covered = %v, want %v", tc.alt, tc.addr, tc.n, cov, tc.cov)
				break
			}
		}
	}
}

func vt(msp, reset uint32) []byte {
	return []byte{byte(msp), byte(msp >> 8), byte(msp >> 16), byte(msp >> 24), byte(reset), byte(reset >> 8), byte(reset >> 16), byte(reset >> 24)}
}

func TestVectorTableAndCheck(t *testing.T) {
	tests := []struct {
		name string
		segs []Segment
		want []string // substrings, one per finding
	}{
		{"plausible", []Segment{{Address: 0x08000000, Data: vt(0x20020000, 0x08000195)}}, nil},
		{"SRAM end inclusive", []Segment{{Address: 0x08000000, Data: vt(0x20050000, 0x08000195)}}, nil},
		{"CCM stack", []Segment{{Address: 0x08004000, Data: vt(0x10010000, 0x08004195)}}, nil},
		{"stack outside RAM", []Segment{{Address: 0x08000000, Data: vt(0x20050004, 0x08000195)}}, []string{"initial stack pointer 0x20050004 at 0x08000000 is not in SRAM"}},
		{"unaligned stack", []Segment{{Address: 0x08000000, Data: vt(0x20001002, 0x08000195)}}, []string{"not 4-byte aligned"}},
		{"even reset", []Segment{{Address: 0x08000000, Data: vt(0x20020000, 0x08000194)}}, []string{"reset vector 0x08000194 at 0x08000004 is even"}},
		{"reset outside flash", []Segment{{Address: 0x08000000, Data: vt(0x20020000, 0x00000195)}}, []string{"is not in flash"}},
		{"outside flash", []Segment{{Address: 0x08000000, Data: vt(0x20020000, 0x08000195)}, {Address: 0x08200000, Data: []byte{1}}}, []string{"data at 0x08200000-0x08200000 lies outside STM32F4 flash"}},
		{"no vector table", []Segment{{Address: 0x08000000, Data: []byte{1, 2, 3}}}, []string{"does not cover a vector table at 0x08000000"}},
		{"only alt 1", []Segment{{Address: 0x1FFFC000, Data: []byte{1}, Alt: 1}}, []string{"no data for internal flash"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := &Image{Segments: tc.segs}
			got := img.CheckSTM32F4()
			if len(got) != len(tc.want) {
				t.Fatalf("findings %q, want %d", got, len(tc.want))
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("finding %q does not contain %q", got[i], tc.want[i])
				}
			}
		})
	}
	img := &Image{Segments: []Segment{{Address: 0x08000000, Data: vt(0x20020000, 0x08000195)}}}
	if msp, reset, ok := img.VectorTable(0x08000000); !ok || msp != 0x20020000 || reset != 0x08000195 {
		t.Errorf("VectorTable = %#x %#x %v", msp, reset, ok)
	}
	if _, _, ok := img.VectorTable(0x08000004); ok {
		t.Error("VectorTable past the data reported ok")
	}
}

func TestCRC32(t *testing.T) {
	img := &Image{Segments: []Segment{{Address: 0, Data: []byte("1234")}, {Address: 10, Data: []byte("56789")}}}
	if got := img.CRC32(); got != 0xCBF43926 || got != crc32.ChecksumIEEE([]byte("123456789")) {
		t.Errorf("CRC32 = %#x", got)
	}
}

func TestBin(t *testing.T) {
	img, err := FromBin([]byte{1, 2}, 0x08000000)
	if err != nil || len(img.Segments) != 1 || img.Format != "bin" {
		t.Fatalf("FromBin = %v, %v", img, err)
	}
	if _, err := FromBin([]byte{1, 2}, 0xFFFFFFFF); !errors.Is(err, ErrInvalid) {
		t.Errorf("FromBin past 4 GiB: %v", err)
	}
	img = &Image{Segments: []Segment{{Address: 0x10, Data: []byte{1}}, {Address: 0x13, Data: []byte{2}}}}
	var b bytes.Buffer
	base, err := img.WriteBin(&b)
	if err != nil || base != 0x10 || !bytes.Equal(b.Bytes(), []byte{1, 0xFF, 0xFF, 2}) {
		t.Errorf("WriteBin = %#x %x %v", base, b.Bytes(), err)
	}
	huge := &Image{Segments: []Segment{{Address: 0x08000000, Data: []byte{1}}, {Address: 0xFFFFFF00, Data: []byte{2}}}}
	if _, err := huge.WriteBin(&b); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "mostly 0xFF padding") {
		t.Errorf("WriteBin of a huge span: %v", err)
	}
	alt := &Image{Segments: []Segment{{Address: 0x1FFFC000, Data: []byte{1}, Alt: 1}}}
	if _, err := alt.WriteBin(&b); !errors.Is(err, ErrUnsupported) {
		t.Errorf("WriteBin of alt 1: %v", err)
	}
}

func TestBuilderAssemble(t *testing.T) {
	var b Builder
	big := bytes.Repeat([]byte{7}, 100000)
	b.Add(0, 0x200, []byte{3})
	b.Add(0, 0x100, big[:50000])
	b.Add(0, 0x100+50000, big[50000:])
	b.Add(1, 0x100, []byte{5})
	b.Add(0, 0x201+99744, []byte{4}) // continues nothing
	img := &Image{}
	pieces := b.Segments()
	if len(pieces) != 4 {
		t.Fatalf("runs = %d, want 4", len(pieces))
	}
	err := img.Assemble(pieces)
	if err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("Assemble of overlapping runs: %v", err)
	}
	b.Add(0, 0x100, big)
	b.Add(0, 0x10, []byte{1})
	b.Add(0, 0x11, []byte{2})
	b.Add(0, 0x100+100000, []byte{9})
	b.Add(0, 0x0F, []byte{0})
	img = &Image{}
	if err := img.Assemble(b.Segments()); err != nil {
		t.Fatal(err)
	}
	if len(img.Segments) != 2 || img.Segments[0].Address != 0x0F || !bytes.Equal(img.Segments[0].Data, []byte{0, 1, 2}) ||
		img.Segments[1].Address != 0x100 || len(img.Segments[1].Data) != 100001 || img.Segments[1].Data[100000] != 9 {
		t.Errorf("segments = %d: %v %d", len(img.Segments), img.Segments[0], len(img.Segments[1].Data))
	}
}

// TestDescribe: a file's description, as info shows it.
func TestDescribe(t *testing.T) {
	vt := []byte{0x00, 0x00, 0x02, 0x20, 0x01, 0x02, 0x00, 0x08}
	img := &Image{Segments: []Segment{{Address: 0x08000000, Data: append(vt, make([]byte, 8)...)}}, Format: "bin", Entry: 0x08000201}
	d := img.Describe("app.bin")
	if !d.Bootable || d.Problems == nil || len(d.Problems) != 0 || d.Span != "0x08000000-0x0800000f" || d.Entry != "0x08000201" || d.DFUSuffix != "" {
		t.Errorf("description %+v", d)
	}
	if d.VectorTable == nil || d.VectorTable.At != "0x08000000" || d.VectorTable.InitialSP != "0x20020000" || d.VectorTable.Reset != "0x08000201" {
		t.Errorf("vector table %+v", d.VectorTable)
	}
	if len(d.Segments) != 1 || d.Segments[0] != (SegmentDescription{0, "0x08000000", "0x0800000f", 16}) {
		t.Errorf("segments %+v", d.Segments)
	}
	img = &Image{Segments: []Segment{{Address: 0x20000000, Data: make([]byte, 4)}}, Vendor: 0x0483, Product: 0xdf11, Device: 0x2200}
	d = img.Describe("x.dfu")
	if d.Bootable || len(d.Problems) == 0 || d.VectorTable != nil || d.DFUSuffix != "0483:df11 bcdDevice 2200" {
		t.Errorf("description %+v", d)
	}
	// JSON readers get lists, never null, for an empty image too.
	b, _ := json.Marshal((&Image{}).Describe("empty.hex"))
	if !strings.Contains(string(b), `"segments":[]`) || strings.Contains(string(b), "null") || !strings.Contains(string(b), `"span":""`) {
		t.Errorf("empty image: %s", b)
	}
}

// TestNeeding: an error that needs the format or the load address keeps
// its text and its own chain, and is matched as what it needs.
func TestNeeding(t *testing.T) {
	err := Needing(fmt.Errorf("%w: say more", ErrUnsupported), ErrAddressNeeded)
	if err.Error() != "unsupported firmware file: say more" || !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrAddressNeeded) || errors.Is(err, ErrFormatNeeded) {
		t.Errorf("Needing: %v", err)
	}
	if _, err := FromBin(make([]byte, 16), 0xfffffff8); !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrAddressNeeded) {
		t.Errorf("FromBin past 4 GiB: %v", err)
	}
}
