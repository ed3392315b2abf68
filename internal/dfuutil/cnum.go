package dfuutil

import "math"

// strtoul reads an unsigned number from the start of s as C's strtoul does
// on a 64-bit Linux: leading white space, an optional sign (a minus negates
// modulo 2^64), and with base 0 a "0x" prefix for hex or a leading 0 for
// octal. It returns the value and how many bytes were used; n is 0 when no
// digit was found. Overflow saturates at 2^64-1 (ok false).
func strtoul(s string, base int) (v uint64, n int, ok bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if (base == 0 || base == 16) && i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' && i+2 < len(s) && digitValue(s[i+2]) < 16 {
		i += 2
		base = 16
	} else if base == 0 && i < len(s) && s[i] == '0' {
		base = 8
	} else if base == 0 {
		base = 10
	}
	start, ok := i, true
	for ; i < len(s); i++ {
		d := digitValue(s[i])
		if d >= base {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			ok = false
			v = math.MaxUint64
			continue
		}
		v = v*uint64(base) + uint64(d)
	}
	if i == start {
		return 0, 0, true
	}
	if neg && ok {
		v = -v
	}
	return v, i, ok
}

// strtol is C's strtol with base 0 on a 64-bit Linux: ok is false when the
// value does not fit in a long (errno ERANGE).
func strtol(s string) (v int64, n int, ok bool) {
	u, n, ok := strtoul(s, 0)
	if n == 0 {
		return 0, 0, true
	}
	neg := false
	for j := 0; j < n; j++ {
		if s[j] == '-' {
			neg = true
			break
		}
		if s[j] == '+' || !isSpace(s[j]) {
			break
		}
	}
	if neg {
		mag := -u
		if !ok || mag > 1<<63 {
			return math.MinInt64, n, false
		}
		return -int64(mag), n, true
	}
	if !ok || u > math.MaxInt64 {
		return math.MaxInt64, n, false
	}
	return int64(u), n, true
}

// atoi is C's atoi: strtol base 10, 0 when there is no number.
func atoi(s string) int {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var v int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + int64(s[i]-'0')
		if v > 1<<32 {
			v = 1 << 32
		}
	}
	if neg {
		v = -v
	}
	return int(int32(v))
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}
