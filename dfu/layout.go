package dfu

import (
	"fmt"
	"strconv"
	"strings"
)

// Flags tell what a sector allows; a DfuSe layout string encodes them in the
// low 3 bits of a type letter ('a' = readable ... 'g' = all three).
type Flags uint8

// Sector flags.
const (
	Readable Flags = 1
	Erasable Flags = 2
	Writable Flags = 4
)

// String returns "rew" with '-' for a missing flag ("r--").
func (f Flags) String() string {
	b := []byte("---")
	for i, c := range "rew" {
		if f&(1<<i) != 0 {
			b[i] = byte(c)
		}
	}
	return string(b)
}

// MarshalText returns the "rew" form, for JSON output.
func (f Flags) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Sector is one erasable unit of a memory map.
type Sector struct {
	// Index counts the sectors of the whole layout from 0, in the order
	// the string lists them.
	Index   int
	Address uint32
	Size    uint32
	Flags   Flags
}

// End returns the address just past the sector.
func (s Sector) End() uint64 { return uint64(s.Address) + uint64(s.Size) }

// Contains reports whether addr lies in the sector.
func (s Sector) Contains(addr uint32) bool { return addr >= s.Address && uint64(addr) < s.End() }

// Region is one "/0xADDR/..." group of a layout string: sectors laid out
// one after another from Address.
type Region struct {
	Address uint32
	Sectors []Sector
}

// End returns the address just past the region's last sector.
func (r Region) End() uint64 {
	if len(r.Sectors) == 0 {
		return uint64(r.Address)
	}
	return r.Sectors[len(r.Sectors)-1].End()
}

// Layout is a parsed DfuSe memory layout string, the iInterface string of
// an alternate setting, for example
// "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg".
type Layout struct {
	// Name is the memory's name without its trailing spaces.
	Name    string
	Regions []Region
}

// Limits that keep a hostile layout string from exhausting memory. Real
// devices list a few dozen sectors.
const (
	maxSectors = 1 << 16
)

// ParseLayout parses a DfuSe memory layout string.
func ParseLayout(s string) (Layout, error) {
	p := layoutParser{s: strings.TrimRight(s, "\x00")}
	return p.parse()
}

type layoutParser struct {
	s   string
	pos int
}

func (p *layoutParser) errorf(format string, args ...any) error {
	return fmt.Errorf("dfu: memory layout %q, byte %d: %s", p.s, p.pos, fmt.Sprintf(format, args...))
}

func (p *layoutParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *layoutParser) number(what string, base int) (uint64, error) {
	start := p.pos
	for p.pos < len(p.s) && isDigit(p.s[p.pos], base) {
		p.pos++
	}
	if p.pos == start {
		p.pos = start
		return 0, p.errorf("want the %s (digits), found %s", what, p.found())
	}
	v, err := strconv.ParseUint(p.s[start:p.pos], base, 32)
	if err != nil {
		p.pos = start
		return 0, p.errorf("%s %q does not fit 32 bits", what, p.s[start:p.pos])
	}
	return v, nil
}

func isDigit(c byte, base int) bool {
	if base == 16 {
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	return c >= '0' && c <= '9'
}

func (p *layoutParser) found() string {
	if p.pos >= len(p.s) {
		return "the end of the string"
	}
	return strconv.QuoteRune(rune(p.s[p.pos]))
}

func (p *layoutParser) expect(c byte, what string) error {
	if p.peek() != c || p.pos >= len(p.s) {
		return p.errorf("want %s, found %s", what, p.found())
	}
	p.pos++
	return nil
}

func (p *layoutParser) parse() (Layout, error) {
	var l Layout
	if err := p.expect('@', "'@' (a DfuSe memory layout starts with '@')"); err != nil {
		return l, err
	}
	slash := strings.IndexByte(p.s, '/')
	if slash < 0 {
		p.pos = len(p.s)
		return l, p.errorf("want '/' after the memory name, found the end of the string")
	}
	l.Name = strings.TrimRight(p.s[1:slash], " ")
	p.pos = slash
	n := 0
	for p.pos < len(p.s) && p.peek() == '/' {
		p.pos++
		at := p.pos
		r, err := p.region(&n)
		if err != nil {
			return l, err
		}
		for _, o := range l.Regions {
			if uint64(r.Address) < o.End() && uint64(o.Address) < r.End() {
				p.pos = at
				return l, p.errorf("region 0x%08x-0x%08x overlaps region 0x%08x-0x%08x", r.Address, r.End()-1, o.Address, o.End()-1)
			}
		}
		l.Regions = append(l.Regions, r)
	}
	// Some devices pad the string with spaces.
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos < len(p.s) {
		return l, p.errorf("want ',', '/' or the end of the string, found %s", p.found())
	}
	if len(l.Regions) == 0 {
		return l, p.errorf("want '/0xADDR/' and a sector list after the name")
	}
	return l, nil
}

// region parses "0xADDR/GROUP[,GROUP...]"; n counts the sectors of the
// whole layout, numbered from 0.
func (p *layoutParser) region(n *int) (Region, error) {
	if !strings.HasPrefix(p.s[p.pos:], "0x") && !strings.HasPrefix(p.s[p.pos:], "0X") {
		return Region{}, p.errorf("want a start address such as 0x08000000, found %s", p.found())
	}
	p.pos += 2
	a, err := p.number("start address", 16)
	if err != nil {
		return Region{}, err
	}
	r := Region{Address: uint32(a)}
	if err := p.expect('/', "'/' after the start address"); err != nil {
		return r, err
	}
	addr := a
	for {
		if err := p.group(&r, &addr, n); err != nil {
			return r, err
		}
		if p.peek() != ',' || p.pos >= len(p.s) {
			return r, nil
		}
		p.pos++
	}
}

// group parses "COUNT*SIZE[MULT]TYPE" and appends its sectors to r, from
// *addr on.
func (p *layoutParser) group(r *Region, addr *uint64, n *int) error {
	gat := p.pos
	count, err := p.number("sector count", 10)
	if err != nil {
		return err
	}
	if count == 0 {
		p.pos = gat
		return p.errorf("sector count is 0: a group lists at least one sector")
	}
	if err := p.expect('*', "'*' between sector count and size"); err != nil {
		return err
	}
	size, flags, err := p.sectorSize()
	if err != nil {
		return err
	}
	switch {
	case size == 0 || size > 1<<32:
		p.pos = gat
		return p.errorf("sector size %d is not between 1 byte and 4 GiB", size)
	case *n+int(count) > maxSectors:
		p.pos = gat
		return p.errorf("more than %d sectors", maxSectors)
	case *addr+count*size > 1<<32:
		p.pos = gat
		return p.errorf("sectors run past the end of the 32-bit address space")
	}
	for range count {
		r.Sectors = append(r.Sectors, Sector{Index: *n, Address: uint32(*addr), Size: uint32(size), Flags: flags})
		*addr += size
		*n++
	}
	return nil
}

// sectorSize parses "SIZE[MULT]TYPE": the size in bytes and the type
// letter's flags.
func (p *layoutParser) sectorSize() (uint64, Flags, error) {
	size, err := p.number("sector size", 10)
	if err != nil {
		return 0, 0, err
	}
	switch p.peek() {
	case 'B', ' ':
		p.pos++
	case 'K':
		size *= 1 << 10
		p.pos++
	case 'M':
		size *= 1 << 20
		p.pos++
	}
	c := p.peek()
	if c < 'a' || c > 'g' || p.pos >= len(p.s) {
		return 0, 0, p.errorf("want a multiplier (B, K, M or space) and a type letter a-g, found %s", p.found())
	}
	p.pos++
	return size, Flags(c & 7), nil
}

// String encodes the layout in the canonical DfuSe form (runs of equal
// sectors grouped, sizes in the largest exact multiplier).
func (l Layout) String() string {
	var b strings.Builder
	b.WriteString("@" + l.Name)
	for _, r := range l.Regions {
		fmt.Fprintf(&b, "/0x%08X/", r.Address)
		for i := 0; i < len(r.Sectors); {
			s := r.Sectors[i]
			j := i + 1
			for j < len(r.Sectors) && r.Sectors[j].Size == s.Size && r.Sectors[j].Flags == s.Flags {
				j++
			}
			if i > 0 {
				b.WriteByte(',')
			}
			size, mult := uint64(s.Size), byte(' ')
			switch {
			case size%(1<<20) == 0:
				size, mult = size>>20, 'M'
			case size%(1<<10) == 0:
				size, mult = size>>10, 'K'
			}
			fmt.Fprintf(&b, "%02d*%03d%c%c", j-i, size, mult, 'a'-1+byte(s.Flags&7))
			i = j
		}
	}
	return b.String()
}

// All returns every sector of the layout in order.
func (l Layout) All() []Sector {
	var out []Sector
	for _, r := range l.Regions {
		out = append(out, r.Sectors...)
	}
	return out
}

// Find returns the sector that contains addr.
func (l Layout) Find(addr uint32) (Sector, bool) {
	for _, r := range l.Regions {
		if addr < r.Address || uint64(addr) >= r.End() {
			continue
		}
		for _, s := range r.Sectors {
			if s.Contains(addr) {
				return s, true
			}
		}
	}
	return Sector{}, false
}

// Touched returns the sectors that share at least one byte with the n bytes
// from addr, in address order. Bytes outside the map touch nothing.
func (l Layout) Touched(addr uint32, n uint64) []Sector {
	var out []Sector
	end := uint64(addr) + n
	for _, s := range l.All() {
		if uint64(s.Address) < end && s.End() > uint64(addr) {
			out = append(out, s)
		}
	}
	return out
}

// FirstOutside returns the first of the n bytes from addr that lies in no
// sector having all of need, and false when every byte does.
func (l Layout) FirstOutside(addr uint32, n uint64, need Flags) (uint64, bool) {
	a, end := uint64(addr), uint64(addr)+n
	for a < end {
		if a >= 1<<32 {
			return a, true
		}
		s, ok := l.Find(uint32(a))
		if !ok || s.Flags&need != need {
			return a, true
		}
		a = s.End()
	}
	return 0, false
}

// Inside reports whether all n bytes from addr lie in sectors that have all
// of need.
func (l Layout) Inside(addr uint32, n uint64, need Flags) bool {
	_, out := l.FirstOutside(addr, n, need)
	return !out
}

// Describe lists the address ranges whose sectors have all of need, for
// messages: `"Internal Flash" 0x08000000-0x080fffff`.
func (l Layout) Describe(need Flags) string {
	var parts []string
	var lo, hi uint64
	open := false
	flush := func() {
		if open {
			parts = append(parts, fmt.Sprintf("0x%08x-0x%08x", lo, hi-1))
			open = false
		}
	}
	for _, s := range l.All() {
		if s.Flags&need != need {
			flush()
			continue
		}
		if open && uint64(s.Address) == hi {
			hi = s.End()
			continue
		}
		flush()
		lo, hi, open = uint64(s.Address), s.End(), true
	}
	flush()
	if len(parts) == 0 {
		parts = []string{"no such sectors"}
	}
	return fmt.Sprintf("%q %s", l.Name, strings.Join(parts, ", "))
}
