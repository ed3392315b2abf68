package board

import "testing"

// TestParseNotation: sector lists, sizes and ranges as people write them
// (and front ends take them as flag values).
func TestParseNotation(t *testing.T) {
	idx := []struct {
		in   string
		want string
	}{
		{"0", "sector 0"}, {"3,1,2", "sector 1-3"}, {"0,2,4-6", "sector 0,2,4-6"}, {"5-5,5", "sector 5"},
	}
	for _, tt := range idx {
		n, err := ParseSectors(tt.in)
		if err != nil || "sector "+SectorNumbers(n) != tt.want {
			t.Errorf("ParseSectors(%q) = %v, %v; want %s", tt.in, n, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a", "-1", "3-1", "1,,2", "0-5000"} {
		if _, err := ParseSectors(bad); err == nil {
			t.Errorf("ParseSectors(%q) accepted", bad)
		}
	}
	sizes := map[string]int{"16384": 16384, "0x4000": 16384, "16K": 16384, "1M": 1 << 20, "2k": 2048}
	for in, want := range sizes {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "K", "-4", "5G", "0x100000000"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
	ranges := []struct {
		in        string
		start     uint32
		n         uint64
		inclusive bool
	}{
		{"0x08000000-0x0801ffff", 0x08000000, 0x20000, true},
		{"0x08000000+128K", 0x08000000, 0x20000, false},
		{"0x08004000-0x08004000", 0x08004000, 1, true},
	}
	for _, tt := range ranges {
		r, err := ParseRange(tt.in)
		s, n := r.Start, r.Length
		if err != nil || s != tt.start || n != tt.n {
			t.Errorf("ParseRange(%q) = %#x, %#x, %v; want %#x, %#x", tt.in, s, n, err, tt.start, tt.n)
		}
		if r.Inclusive != tt.inclusive {
			t.Errorf("ParseRange(%q): Inclusive %v, want %v", tt.in, r.Inclusive, tt.inclusive)
		}
	}
	for _, bad := range []string{"", "8", "0x08001000-0x08000000", "x-y", "0x08000000+0"} {
		if _, err := ParseRange(bad); err == nil {
			t.Errorf("ParseRange(%q) accepted", bad)
		}
	}
}

// FuzzNotation checks the parsers never panic and that what
// they accept is consistent.
func FuzzNotation(f *testing.F) {
	for _, s := range []string{"0,2,4-6", "0x08000000+128K", "0x08000000-0x0801ffff", "16K", "30002D000B51343333353132", "1-", "+", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := ParseSectors(s); err == nil {
			for i := 1; i < len(n); i++ {
				if n[i] <= n[i-1] {
					t.Fatalf("ParseSectors(%q) = %v: not sorted and distinct", s, n)
				}
			}
		}
		if n, err := ParseSize(s); err == nil && n <= 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		if r, err := ParseRange(s); err == nil && (r.Length == 0 || uint64(r.Start)+r.Length > 1<<32) {
			t.Fatalf("ParseRange(%q) = %#x, %d", s, r.Start, r.Length)
		}
		ParseUID(s)
	})
}
