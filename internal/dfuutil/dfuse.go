package dfuutil

import (
	"fmt"
	"strings"
)

// DfuSe is the meaning of -s ADDRESS[:MODIFIER...], as dfu-util 0.11 reads
// it: an optional address first, then modifiers and an upload length
// separated by colons.
type DfuSe struct {
	// Address is where a raw download goes or an upload starts, when
	// HasAddress.
	Address    uint32
	HasAddress bool
	// Length is the upload length (0: to the end of the memory segment).
	Length uint32
	// Force counts "force"; mass-erase and unprotect need one.
	Force     int
	Leave     bool
	Unprotect bool
	MassErase bool
	WillReset bool
}

// dfuseWords are the modifiers in the order dfu-util tries them: a word
// that is a prefix of one ("f", "lea") counts as that modifier, and the
// scan then moves on by the modifier's full length, as dfu-util does.
var dfuseWords = []string{"force", "leave", "unprotect", "mass-erase", "will-reset"}

// ParseDfuSe reads the argument of -s. Its errors are dfu-util's
// ("Invalid dfuse address: ...", "Invalid dfuse modifier: ...").
func ParseDfuSe(s string) (DfuSe, error) {
	var d DfuSe
	if !strings.HasPrefix(s, ":") {
		word, _, _ := strings.Cut(s, ":")
		v, n, _ := strtoul(s, 0)
		if n != len(word) {
			return d, usageErr("Invalid dfuse address: %s", s)
		}
		d.Address, d.HasAddress = uint32(v), true
		s = s[len(word):]
	}
	for s != "" {
		if s[0] == ':' {
			s = s[1:]
			continue
		}
		word, _, _ := strings.Cut(s, ":")
		if k := modifier(word); k >= 0 {
			d.set(k)
			s = s[min(len(dfuseWords[k]), len(s)):]
			continue
		}
		v, n, _ := strtoul(s, 0)
		if n != len(word) {
			return d, usageErr("Invalid dfuse modifier: %s", s)
		}
		d.Length = uint32(v)
		s = s[len(word):]
	}
	return d, nil
}

// modifier returns the index in dfuseWords of the first modifier word is a
// prefix of, or -1.
func modifier(word string) int {
	for k, m := range dfuseWords {
		if strings.HasPrefix(m, word) {
			return k
		}
	}
	return -1
}

func (d *DfuSe) set(k int) {
	switch dfuseWords[k] {
	case "force":
		d.Force++
	case "leave":
		d.Leave = true
	case "unprotect":
		d.Unprotect = true
	case "mass-erase":
		d.MassErase = true
	case "will-reset":
		d.WillReset = true
	}
}

// String gives the -s argument back in canonical form.
func (d DfuSe) String() string {
	var b strings.Builder
	if d.HasAddress {
		fmt.Fprintf(&b, "0x%08x", d.Address)
	}
	if d.Length != 0 {
		fmt.Fprintf(&b, ":%d", d.Length)
	}
	for _, f := range []struct {
		on   bool
		name string
	}{{d.Leave, "leave"}, {d.Unprotect, "unprotect"}, {d.MassErase, "mass-erase"}, {d.WillReset, "will-reset"}} {
		if f.on {
			b.WriteString(":" + f.name)
		}
	}
	for i := 0; i < d.Force; i++ {
		b.WriteString(":force")
	}
	return b.String()
}
