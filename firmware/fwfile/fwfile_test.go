package fwfile

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/dfuse"
	"github.com/softdfu/softdfu/firmware/suffix"
)

const hexFile = ":020000040800F2\n:0400000000000220DA\n:04000400950100085A\n:040000050800019559\n:00000001FF\n"
const srecFile = "S3090800000000000220CC\nS30908000004950100084C\nS705080001955C\n"

var vector = []byte{0, 0, 2, 0x20, 0x95, 1, 0, 8}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	dfu, _ := dfuse.Marshal(&firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: vector}}}, dfuse.Options{})
	plainDFU := suffix.Append(bytes.Clone(vector), suffix.Suffix{Vendor: 0x0483, Product: 0xDF11, Device: 0xFFFF, DFU: suffix.DFU11})
	tests := []struct {
		name   string
		file   string
		data   []byte
		opt    LoadOptions
		format string
		vid    uint16
		entry  uint32
	}{
		{"hex by extension", "fw.hex", []byte(hexFile), LoadOptions{}, IHex, 0, 0x08000195},
		{"hex without extension", "firmware", []byte(hexFile), LoadOptions{}, IHex, 0, 0x08000195},
		{"hex with suffix", "fw.ihex", suffix.Append([]byte(hexFile), suffix.Suffix{Vendor: 0x1209, Product: 2, DFU: suffix.DFU11}), LoadOptions{}, IHex, 0x1209, 0x08000195},
		{"srec", "fw.s19", []byte(srecFile), LoadOptions{}, SRec, 0, 0x08000195},
		{"srec sniffed", "fw.txt", []byte(srecFile), LoadOptions{}, SRec, 0, 0x08000195},
		{"bin at address", "fw.bin", vector, LoadOptions{Address: 0x08000000, AddressSet: true}, Bin, 0, 0},
		{"bin by format", "fw.img", vector, LoadOptions{Format: "binary", Address: 0x08000000, AddressSet: true}, Bin, 0, 0},
		{"dfuse", "fw.dfu", dfu, LoadOptions{}, DfuSe, 0x0483, 0},
		{"dfuse sniffed", "fw", dfu, LoadOptions{}, DfuSe, 0x0483, 0},
		{"plain DFU file", "fw.dfu", plainDFU, LoadOptions{Address: 0x08000000, AddressSet: true}, Bin, 0x0483, 0},
		{"bin with suffix", "fw.bin", plainDFU, LoadOptions{Address: 0x08000000, AddressSet: true}, Bin, 0x0483, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, how := range []string{"Load", "Parse"} {
				var img *firmware.Image
				var err error
				if how == "Load" {
					img, err = Load(writeFile(t, tc.file, tc.data), tc.opt)
				} else {
					img, err = Parse(tc.file, tc.data, tc.opt)
				}
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				if img.Format != tc.format || img.Vendor != tc.vid || img.Entry != tc.entry {
					t.Errorf("%s: format %q vid %04x entry %#x, want %q %04x %#x", how, img.Format, img.Vendor, img.Entry, tc.format, tc.vid, tc.entry)
				}
				if len(img.Segments) != 1 || img.Segments[0].Address != 0x08000000 || !bytes.Equal(img.Segments[0].Data, vector) {
					t.Errorf("%s: segments = %v", how, img.Segments)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	elf := []byte("\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	badCRC := suffix.Append([]byte(hexFile), suffix.Suffix{DFU: suffix.DFU11})
	badCRC[3] = '1'
	tests := []struct {
		name, file string
		data       []byte
		opt        LoadOptions
		want       string
		err        error
	}{
		{"hex named but srec", "fw.hex", []byte(srecFile), LoadOptions{}, `"fw.hex" is named as Intel HEX but its content is Motorola S-record`, firmware.ErrInvalid},
		{"srec named but garbage", "fw.srec", []byte("hello"), LoadOptions{}, `"fw.srec" is named as Motorola S-record but its content is unrecognisable`, firmware.ErrInvalid},
		{"elf named bin", "fw.bin", elf, LoadOptions{Address: 1, AddressSet: true}, `"fw.bin" is named .bin but its content is ELF`, firmware.ErrUnsupported},
		{"hex named bin", "fw.bin", []byte(hexFile), LoadOptions{Address: 1, AddressSet: true}, `"fw.bin" is named .bin but its content is Intel HEX`, firmware.ErrUnsupported},
		{"bin without address", "fw.bin", vector, LoadOptions{}, "give its load address", firmware.ErrUnsupported},
		{"format bin without address", "fw", vector, LoadOptions{Format: "bin"}, "give its load address", firmware.ErrUnsupported},
		{"unknown", "fw.xyz", vector, LoadOptions{}, `cannot tell the format of "fw.xyz"`, firmware.ErrUnsupported},
		{"unknown format name", "fw.hex", []byte(hexFile), LoadOptions{Format: "zip"}, `unknown format "zip"`, firmware.ErrUnsupported},
		{"empty", "fw.hex", nil, LoadOptions{}, "the file is empty", firmware.ErrInvalid},
		{"bad suffix CRC", "fw.hex", badCRC, LoadOptions{}, "DFU suffix CRC is", firmware.ErrInvalid},
		{"bad hex checksum", "fw.hex", []byte(strings.Replace(hexFile, "20DA", "20DB", 1)), LoadOptions{}, "ihex: line 2: checksum", firmware.ErrInvalid},
		{"plain dfu without address", "fw.dfu", suffix.Append(bytes.Clone(vector), suffix.Suffix{DFU: suffix.DFU11}), LoadOptions{}, "raw binary with a DFU suffix", firmware.ErrUnsupported},
		{"dfu without suffix", "fw.dfu", []byte("DfuSe\x01\x0b\x00\x00\x00\x00"), LoadOptions{}, "has no DFU suffix", firmware.ErrInvalid},
		{"elf 64", "fw.elf", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), LoadOptions{}, "only 32-bit ELF", firmware.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.file, tc.data), tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %q (%v)", err, tc.want, tc.err)
			}
		})
	}
}

func TestSparseHexStaysSparse(t *testing.T) {
	hex := ":020000040800F2\n:0100000011EE\n:02000004FFFFFC\n:01FF000022DE\n:00000001FF\n"
	img, err := Parse("x.hex", []byte(hex), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Segments) != 2 || img.Size() != 2 {
		t.Fatalf("segments = %v", img.Segments)
	}
	lo, hi := img.Span()
	if lo != 0x08000000 || hi != 0xFFFFFF01 {
		t.Errorf("span %#x-%#x", lo, hi)
	}
	// Every writer but bin keeps it sparse; bin refuses.
	dir := t.TempDir()
	for _, ext := range []string{".hex", ".srec", ".dfu", ".uf2"} {
		p := filepath.Join(dir, "out"+ext)
		if err := Write(p, img, WriteOptions{}); err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if st, _ := os.Stat(p); st.Size() > 4096 {
			t.Errorf("%s is %d bytes", ext, st.Size())
		}
	}
	if err := Write(filepath.Join(dir, "out.bin"), img, WriteOptions{}); !errors.Is(err, firmware.ErrUnsupported) {
		t.Errorf("bin: %v", err)
	}
}

func TestWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "fw.hex")
	os.WriteFile(p, []byte("old"), 0o644)
	bad := &firmware.Image{Segments: []firmware.Segment{{Address: 0x1FFFC000, Data: []byte{1}, Alt: 1}}}
	if err := Write(p, bad, WriteOptions{}); !errors.Is(err, firmware.ErrUnsupported) {
		t.Fatalf("err = %v", err)
	}
	overlap := &firmware.Image{Segments: []firmware.Segment{{Address: 0, Data: []byte{1, 2}}, {Address: 1, Data: []byte{3}}}}
	if err := Write(p, overlap, WriteOptions{}); !errors.Is(err, firmware.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	if err := Write(filepath.Join(dir, "fw.elf"), overlap, WriteOptions{}); !errors.Is(err, firmware.ErrUnsupported) {
		t.Fatalf("elf: %v", err)
	}
	if err := Write(filepath.Join(dir, "fw.zzz"), overlap, WriteOptions{}); !errors.Is(err, firmware.ErrUnsupported) {
		t.Fatalf("zzz: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "fw.hex" {
		t.Errorf("directory holds %v, want only fw.hex", ents)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("fw.hex = %q", b)
	}
	good := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: vector}}}
	if err := Write(p, good, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
}

// randomImage returns an image of 1-6 segments with gaps, some near the
// top of the address space when high is set.
func randomImage(r *rand.Rand, high bool, alts bool) *firmware.Image {
	img := &firmware.Image{}
	addr := uint64(0x08000000)
	if high && r.IntN(2) == 0 {
		addr = 1<<32 - uint64(r.IntN(4)+1)*0x2000
	}
	for range r.IntN(6) + 1 {
		n := r.IntN(1500) + 1
		if addr+uint64(n) > 1<<32 {
			break
		}
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		var alt uint8
		if alts {
			alt = uint8(r.IntN(3))
		}
		img.Segments = append(img.Segments, firmware.Segment{Address: uint32(addr), Data: data, Alt: alt})
		addr += uint64(n) + uint64(r.IntN(600)) + 1
	}
	if high && len(img.Segments) > 0 && r.IntN(2) == 0 {
		// A segment that ends exactly at 4 GiB.
		last := img.Segments[len(img.Segments)-1]
		if last.End() <= 1<<32-16 {
			img.Segments = append(img.Segments, firmware.Segment{Address: 1<<32 - 16, Data: bytes.Repeat([]byte{0x5A}, 16)})
		}
	}
	if err := img.Normalize(); err != nil {
		panic(err)
	}
	return img
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	dir := t.TempDir()
	tests := []struct {
		ext         string
		high, alts  bool
		keepsEntry  bool
		keepsIDs    bool
		flattensGap bool
	}{
		{ext: ".hex", high: true, keepsEntry: true},
		{ext: ".srec", high: true, keepsEntry: true},
		{ext: ".dfu", high: true, alts: true, keepsIDs: true},
		{ext: ".uf2", high: true},
		{ext: ".bin", flattensGap: true},
	}
	for _, tc := range tests {
		t.Run(tc.ext, func(t *testing.T) {
			for i := range 40 {
				img := randomImage(r, tc.high, tc.alts)
				img.Entry = r.Uint32() | 1
				p := filepath.Join(dir, "rt"+tc.ext)
				if err := Write(p, img, WriteOptions{Vendor: 0x1209, Product: 0x70D0, Device: 0x0102}); err != nil {
					t.Fatalf("image %d: %v", i, err)
				}
				lo, _ := img.Span()
				back, err := Load(p, LoadOptions{Address: lo, AddressSet: true})
				if err != nil {
					t.Fatalf("image %d: %v", i, err)
				}
				want := img
				if tc.flattensGap {
					want = flatten(img)
				}
				if !sameSegments(back.Segments, want.Segments) {
					t.Fatalf("image %d: segments differ: got %d segs, want %d", i, len(back.Segments), len(want.Segments))
				}
				if tc.keepsEntry && back.Entry != img.Entry {
					t.Errorf("image %d: entry %#x, want %#x", i, back.Entry, img.Entry)
				}
				if tc.keepsIDs && (back.Vendor != 0x1209 || back.Product != 0x70D0 || back.Device != 0x0102) {
					t.Errorf("image %d: ids %04x:%04x %04x", i, back.Vendor, back.Product, back.Device)
				}
				if back.CRC32() != want.CRC32() {
					t.Errorf("image %d: CRC differs", i)
				}
			}
		})
	}
}

// flatten returns the image as one segment with gaps filled with 0xFF.
func flatten(img *firmware.Image) *firmware.Image {
	var b bytes.Buffer
	base, err := img.WriteBin(&b)
	if err != nil {
		panic(err)
	}
	return &firmware.Image{Segments: []firmware.Segment{{Address: base, Data: b.Bytes()}}}
}

func sameSegments(a, b []firmware.Segment) bool {
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

func FuzzParse(f *testing.F) {
	dfu, _ := dfuse.Marshal(&firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: vector}}}, dfuse.Options{})
	for _, s := range []struct {
		name string
		data []byte
	}{{"fw.hex", []byte(hexFile)}, {"fw.srec", []byte(srecFile)}, {"fw.dfu", dfu}, {"fw.bin", vector}, {"fw", []byte("\x7fELF\x01\x01")}} {
		f.Add(s.name, s.data)
	}
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		img, err := Parse(name, b, LoadOptions{Address: 0x08000000, AddressSet: true})
		if err != nil {
			return
		}
		for i, s := range img.Segments {
			if len(s.Data) == 0 || s.End() > 1<<32 || (i > 0 && s.Alt == img.Segments[i-1].Alt && uint64(s.Address) < img.Segments[i-1].End()) {
				t.Fatalf("bad segments %v", img.Segments)
			}
		}
		img.CheckSTM32F4()
	})
}

// TestWriteInput: the suffix IDs are read as hex; one that is not 4 hex
// digits is an *IDError naming it.
func TestWriteInput(t *testing.T) {
	opt, err := WriteInput{Format: "dfu", Vendor: "1234", Product: "abcd"}.Options()
	if err != nil || opt != (WriteOptions{Format: "dfu", Vendor: 0x1234, Product: 0xabcd}) {
		t.Errorf("Options = %+v, %v", opt, err)
	}
	if opt, err := (WriteInput{}).Options(); err != nil || opt != (WriteOptions{}) {
		t.Errorf("empty: %+v, %v", opt, err)
	}
	for _, in := range []WriteInput{{Vendor: "12345"}, {Product: "zz"}, {Vendor: "0x12"}} {
		var ie *IDError
		_, err := in.Options()
		if !errors.As(err, &ie) || ie.Value == "" || !strings.Contains(err.Error(), "give 4 hex digits") {
			t.Errorf("%+v: %v", in, err)
		}
	}
}
