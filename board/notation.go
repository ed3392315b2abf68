package board

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The notations front ends share for addresses, sizes, sector lists and
// ranges. Their errors say what is expected; front ends name the flag.
var (
	errAddress = errors.New("not a 32-bit address: write it like 0x08000000")
	errSize    = errors.New("not a byte count: write it like 16384, 0x4000, 16K or 1M")
	errSectors = errors.New("give sector numbers like 0,2,4-6")
	errRange   = errors.New("write START-END (inclusive) or START+LENGTH, for example 0x08000000-0x0801ffff or 0x08000000+128K")
)

// ParseAddress reads a 32-bit address in hex (0x...) or decimal.
func ParseAddress(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, errAddress
	}
	return uint32(v), nil
}

// ParseSize reads a positive byte count: decimal, 0x hex, or with a K or M
// suffix (at most 4 GiB).
func ParseSize(s string) (int, error) {
	mult := 1
	t := strings.TrimSpace(s)
	switch {
	case strings.HasSuffix(t, "K") || strings.HasSuffix(t, "k"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M") || strings.HasSuffix(t, "m"):
		mult, t = 1<<20, t[:len(t)-1]
	}
	v, err := strconv.ParseUint(t, 0, 32)
	if err != nil || v == 0 || v*uint64(mult) > 1<<32 {
		return 0, errSize
	}
	return int(v) * mult, nil
}

// ParseSectors reads "0,2,4-6" into sorted, distinct sector numbers.
func ParseSectors(s string) ([]int, error) {
	seen := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a || b-a > 1024 {
			return nil, errSectors
		}
		for i := a; i <= b; i++ {
			seen[i] = true
		}
	}
	var out []int
	for i := range seen {
		out = append(out, i)
	}
	sort.Ints(out)
	return out, nil
}

// SectorNumbers prints sorted sector numbers as ParseSectors reads them:
// 0,2,4-6.
func SectorNumbers(n []int) string {
	var parts []string
	for i := 0; i < len(n); {
		j := i
		for j+1 < len(n) && n[j+1] == n[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", n[i], n[j]))
		} else {
			parts = append(parts, fmt.Sprint(n[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// ParseRange reads START-END (inclusive; the range records that form) or
// START+LENGTH.
func ParseRange(s string) (Range, error) {
	if a, b, ok := strings.Cut(s, "+"); ok {
		start, err1 := ParseAddress(a)
		n, err2 := ParseSize(b)
		if err1 != nil || err2 != nil {
			return Range{}, errRange
		}
		return Range{Start: start, Length: uint64(n)}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Range{}, errRange
	}
	start, err1 := ParseAddress(a)
	end, err2 := ParseAddress(b)
	if err1 != nil || err2 != nil || end < start {
		return Range{}, errRange
	}
	return Range{Start: start, Length: uint64(end-start) + 1, Inclusive: true}, nil
}
