package dfu

import (
	"reflect"
	"strings"
	"testing"
)

// The four alternate settings of a real STM32F407 ROM bootloader.
const (
	f407Flash   = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
	f407Option  = "@Option Bytes  /0x1FFFC000/01*016 g"
	f407OTP     = "@OTP Memory /0x1FFF7800/01*512 g,01*016 g"
	f407Feature = "@Device Feature/0xFFFF0000/01*004 g"
	// F429: two banks, as one list and as two groups.
	f429Flash    = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg"
	f429TwoBanks = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg/0x08100000/04*016Kg,01*064Kg,07*128Kg"
)

func f4Bank(start uint32, first int) []Sector {
	var s []Sector
	a := start
	for i, size := range []uint32{16, 16, 16, 16, 64, 128, 128, 128, 128, 128, 128, 128} {
		s = append(s, Sector{Index: first + i, Address: a, Size: size << 10, Flags: Readable | Erasable | Writable})
		a += size << 10
	}
	return s
}

func TestParseLayout(t *testing.T) {
	rew := Readable | Erasable | Writable
	tests := []struct {
		in   string
		want Layout
	}{
		{f407Flash, Layout{Name: "Internal Flash", Regions: []Region{{0x08000000, f4Bank(0x08000000, 0)}}}},
		{f407Option, Layout{Name: "Option Bytes", Regions: []Region{{0x1fffc000, []Sector{{0, 0x1fffc000, 16, rew}}}}}},
		{f407OTP, Layout{Name: "OTP Memory", Regions: []Region{{0x1fff7800, []Sector{{0, 0x1fff7800, 512, rew}, {1, 0x1fff7a00, 16, rew}}}}}},
		{f407Feature, Layout{Name: "Device Feature", Regions: []Region{{0xffff0000, []Sector{{0, 0xffff0000, 4, rew}}}}}},
		{f429Flash, Layout{Name: "Internal Flash", Regions: []Region{{0x08000000, append(f4Bank(0x08000000, 0), f4Bank(0x08100000, 12)...)}}}},
		{f429TwoBanks, Layout{Name: "Internal Flash", Regions: []Region{{0x08000000, f4Bank(0x08000000, 0)}, {0x08100000, f4Bank(0x08100000, 12)}}}},
		{"@X/0x0/2*1Ma,1*3Bb,1*2d\x00", Layout{Name: "X", Regions: []Region{{0, []Sector{{0, 0, 1 << 20, Readable}, {1, 1 << 20, 1 << 20, Readable}, {2, 2 << 20, 3, Erasable}, {3, 2<<20 + 3, 2, Writable}}}}}},
		{"@Top/0xFFFFFFFC/01*004 g", Layout{Name: "Top", Regions: []Region{{0xfffffffc, []Sector{{0, 0xfffffffc, 4, rew}}}}}},
	}
	for _, tt := range tests {
		got, err := ParseLayout(tt.in)
		if err != nil {
			t.Errorf("ParseLayout(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLayout(%q) =\n%+v\nwant\n%+v", tt.in, got, tt.want)
		}
		again, err := ParseLayout(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("round trip of %q through %q: %+v, %v", tt.in, got.String(), again, err)
		}
	}
}

func TestLayoutString(t *testing.T) {
	for in, want := range map[string]string{
		f407Flash:    "@Internal Flash/0x08000000/04*016Kg,01*064Kg,07*128Kg",
		f407OTP:      "@OTP Memory/0x1FFF7800/01*512 g,01*016 g",
		f429TwoBanks: "@Internal Flash/0x08000000/04*016Kg,01*064Kg,07*128Kg/0x08100000/04*016Kg,01*064Kg,07*128Kg",
	} {
		l, err := ParseLayout(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.String(); got != want {
			t.Errorf("String() of %q = %q, want %q", in, got, want)
		}
	}
}

func TestParseLayoutErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "byte 0: want '@'"},
		{"Internal Flash/0x08000000/04*016Kg", "byte 0: want '@'"},
		{"@Internal Flash", "byte 15: want '/' after the memory name"},
		{"@F/08000000/04*016Kg", "byte 3: want a start address"},
		{"@F/0x/04*016Kg", "byte 5: want the start address"},
		{"@F/0x123456789/1*1Kg", "does not fit 32 bits"},
		{"@F/0x08000000", "byte 13: want '/' after the start address"},
		{"@F/0x08000000/", "byte 14: want the sector count"},
		{"@F/0x08000000/04016Kg", "byte 19: want '*'"},
		{"@F/0x08000000/04*Kg", "byte 17: want the sector size"},
		{"@F/0x08000000/04*016K", "byte 21: want a multiplier (B, K, M or space) and a type letter a-g, found the end"},
		{"@F/0x08000000/04*016Kh", "found 'h'"},
		{"@F/0x08000000/04*016Xg", "found 'X'"},
		{"@F/0x08000000/00*016Kg", "byte 14: sector count is 0"},
		{"@F/0x08000000/01*000Kg", "sector size 0"},
		{"@F/0x08000000/01*8192Mg", "sector size 8589934592"},
		{"@F/0xFFFFFFFF/01*002 g", "past the end of the 32-bit address space"},
		{"@F/0x0/99999*1Kg", "more than 65536 sectors"},
		{"@F/0x08000000/04*016Kg,", "byte 23: want the sector count"},
		{"@F/0x08000000/04*016Kg;", "byte 22: want ',', '/' or the end"},
		{"@F/0x08000000/04*016Kg/0x08008000/01*016Kg", "overlaps region 0x08000000-0x0800ffff"},
		{"@F/0x08000000/04*016Kg/", "want a start address"},
	}
	for _, tt := range tests {
		_, err := ParseLayout(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseLayout(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestLayoutQueries(t *testing.T) {
	l, err := ParseLayout(f407Flash + "/0x1FFF0000/01*030Ka")
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := l.Find(0x08010000); !ok || s.Index != 4 || s.Size != 64<<10 {
		t.Errorf("Find(0x08010000) = %+v, %v; want sector 4 of 64K", s, ok)
	}
	if _, ok := l.Find(0x08100000); ok {
		t.Errorf("Find(0x08100000) found a sector past the end of flash")
	}
	var idx []int
	for _, s := range l.Touched(0x08003fff, 0x10002) {
		idx = append(idx, s.Index)
	}
	if !reflect.DeepEqual(idx, []int{0, 1, 2, 3, 4}) {
		t.Errorf("Touched = %v, want [0 1 2 3 4]", idx)
	}
	if got := l.Touched(0x08000000, 0); len(got) != 0 {
		t.Errorf("Touched of 0 bytes = %v, want none", got)
	}
	tests := []struct {
		addr  uint32
		n     uint64
		need  Flags
		first uint64
		out   bool
	}{
		{0x08000000, 1 << 20, Writable | Erasable, 0, false},
		{0x08000000, 1<<20 + 1, Writable, 0x08100000, true},
		{0x07ffffff, 2, Readable, 0x07ffffff, true},
		{0x1fff0000, 16, Readable, 0, false},
		{0x1fff0000, 16, Writable, 0x1fff0000, true},
		{0xffffffff, 2, Readable, 0xffffffff, true},
	}
	for _, tt := range tests {
		first, out := l.FirstOutside(tt.addr, tt.n, tt.need)
		if first != tt.first || out != tt.out || l.Inside(tt.addr, tt.n, tt.need) == tt.out {
			t.Errorf("FirstOutside(0x%x, %d, %v) = 0x%x, %v; want 0x%x, %v", tt.addr, tt.n, tt.need, first, out, tt.first, tt.out)
		}
	}
	if got, want := l.Describe(Writable), `"Internal Flash" 0x08000000-0x080fffff`; got != want {
		t.Errorf("Describe(w) = %q, want %q", got, want)
	}
	if got, want := l.Describe(Readable), `"Internal Flash" 0x08000000-0x080fffff, 0x1fff0000-0x1fff77ff`; got != want {
		t.Errorf("Describe(r) = %q, want %q", got, want)
	}
}

func TestFlagsString(t *testing.T) {
	for f, want := range map[Flags]string{0: "---", Readable: "r--", Erasable | Writable: "-ew", 7: "rew"} {
		if got := f.String(); got != want {
			t.Errorf("Flags(%d).String() = %q, want %q", f, got, want)
		}
	}
}

// familyLayouts are alternate-setting strings of other ROM DfuSe chips as
// published (betaflight-configurator webusbdfu.js, MicroPython mboot,
// QMK/Keychron notes on AT32), with the size and first and last sector
// each must parse to.
var familyLayouts = []struct {
	s           string
	size        uint64
	n           int
	first, last Sector
}{
	{"@Internal Flash  /0x08000000/04*016Kg,01*64Kg,03*128Kg", 512 << 10, 8, Sector{0, 0x08000000, 16 << 10, 7}, Sector{7, 0x08060000, 128 << 10, 7}},
	{"@Internal Flash  /0x08000000/04*032Kg,01*128Kg,03*256Kg", 1 << 20, 8, Sector{0, 0x08000000, 32 << 10, 7}, Sector{7, 0x080C0000, 256 << 10, 7}},
	{"@Internal Flash /0x08000000/16*128Kg", 2 << 20, 16, Sector{0, 0x08000000, 128 << 10, 7}, Sector{15, 0x081E0000, 128 << 10, 7}},
	{"@Option Bytes /0x5200201C/01*128 e", 128, 1, Sector{0, 0x5200201C, 128, 5}, Sector{0, 0x5200201C, 128, 5}},
	{"@Option Bytes /0x5200201C/01*297 e", 297, 1, Sector{0, 0x5200201C, 297, 5}, Sector{0, 0x5200201C, 297, 5}},
	{"@Internal Flash /0x08000000/01*128Kg", 128 << 10, 1, Sector{0, 0x08000000, 128 << 10, 7}, Sector{0, 0x08000000, 128 << 10, 7}},
	{"@Internal Flash /0x08000000/256*02Kg", 512 << 10, 256, Sector{0, 0x08000000, 2 << 10, 7}, Sector{255, 0x0807F800, 2 << 10, 7}},
	{"@Option Bytes   /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e", 96, 2, Sector{0, 0x1FFF7800, 48, 5}, Sector{1, 0x1FFFF800, 48, 5}},
	{"@Internal Flash /0x08000000/256*04Kg", 1 << 20, 256, Sector{0, 0x08000000, 4 << 10, 7}, Sector{255, 0x080FF000, 4 << 10, 7}},
	{"@Internal Flash /0x08000000/256*08Kg", 2 << 20, 256, Sector{0, 0x08000000, 8 << 10, 7}, Sector{255, 0x081FE000, 8 << 10, 7}},
	{"@Internal Flash   /0x08000000/08*04Ka,1000*04Kg", 4032 << 10, 1008, Sector{0, 0x08000000, 4 << 10, 1}, Sector{1007, 0x083EF000, 4 << 10, 7}},
	{"@Option byte   /0x1FFFC000/01*4096 g", 4096, 1, Sector{0, 0x1FFFC000, 4096, 7}, Sector{0, 0x1FFFC000, 4096, 7}},
	{"@Option byte   /0x1FFFC000/01*512 g", 512, 1, Sector{0, 0x1FFFC000, 512, 7}, Sector{0, 0x1FFFC000, 512, 7}},
	{"@Internal Flash /0x08000000/128*002Kg", 256 << 10, 128, Sector{0, 0x08000000, 2 << 10, 7}, Sector{127, 0x0803F800, 2 << 10, 7}},
	{"@Option byte   /0x1FFFF800/01*512g", 512, 1, Sector{0, 0x1FFFF800, 512, 7}, Sector{0, 0x1FFFF800, 512, 7}},
	{"@Internal Flash /0x08000000/12*001Ka,116*001Kg", 128 << 10, 128, Sector{0, 0x08000000, 1 << 10, 1}, Sector{127, 0x0801FC00, 1 << 10, 7}},
	{"@External Flash /0x90000000/998*128Kg,1*128Kg,4*128Kg,21*128Ka", 1024 * 128 << 10, 1024, Sector{0, 0x90000000, 128 << 10, 7}, Sector{1023, 0x97FE0000, 128 << 10, 1}},
}

// TestParseFamilyLayouts: every alternate-setting string of the families
// in docs/FAMILIES.md, the odd ones included (four-digit counts, a size
// without a space before its letter, two banks in one string, read-only
// segments, the singular "Option byte").
func TestParseFamilyLayouts(t *testing.T) {
	for _, tc := range familyLayouts {
		l, err := ParseLayout(tc.s)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		all := l.All()
		var size uint64
		for _, s := range all {
			size += uint64(s.Size)
		}
		if size != tc.size || len(all) != tc.n || all[0] != tc.first || all[len(all)-1] != tc.last {
			t.Errorf("%q: %d bytes in %d sectors, first %+v last %+v; want %d in %d, %+v %+v", tc.s, size, len(all), all[0], all[len(all)-1], tc.size, tc.n, tc.first, tc.last)
		}
	}
}

func FuzzParseLayout(f *testing.F) {
	for _, tc := range familyLayouts {
		f.Add(tc.s)
	}
	for _, s := range []string{f407Flash, f407Option, f407OTP, f407Feature, f429Flash, f429TwoBanks,
		"@F/0x08000000/04*016Kg,", "@F/0x0/99999*1Kg", "@F/0xFFFFFFFF/01*002 g", "@/0x0/1*1Ba", "@F/0x08000000/04*016Kg/0x08008000/01*016Kg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLayout(s)
		if err != nil {
			return
		}
		n := 0
		for _, r := range l.Regions {
			a := uint64(r.Address)
			for _, sec := range r.Sectors {
				if sec.Index != n || uint64(sec.Address) != a || sec.Size == 0 || sec.End() > 1<<32 {
					t.Fatalf("%q: bad sector %+v (want index %d at 0x%x)", s, sec, n, a)
				}
				a = sec.End()
				n++
			}
		}
		if strings.Contains(l.Name, "/") {
			return // the canonical form cannot carry it
		}
		again, err := ParseLayout(l.String())
		if err != nil {
			t.Fatalf("%q: canonical form %q does not parse: %v", s, l.String(), err)
		}
		if !reflect.DeepEqual(again.Regions, l.Regions) {
			t.Fatalf("%q: canonical form %q parses differently", s, l.String())
		}
	})
}
