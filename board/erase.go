package board

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/softdfu/softdfu/dfu"
)

// Range is Length bytes from Start.
type Range struct {
	Start  uint32
	Length uint64
	// Inclusive is set for a range written START-END, its end inclusive
	// (ParseRange), rather than START+LENGTH.
	Inclusive bool
}

// EraseRequest says what to erase: sectors by number, the sectors holding
// addresses, every sector ranges touch, or (Mass) the whole flash.
type EraseRequest struct {
	Sectors   []int
	Addresses []uint32
	Ranges    []Range
	Mass      bool
	// NoBlankCheck skips reading the sectors back to check they are blank.
	NoBlankCheck bool
}

// EraseInput is an erase request as a front end takes it, written out:
// sector numbers (ParseSectors), addresses separated by commas
// (ParseAddress), a range (ParseRange), or the whole flash.
type EraseInput struct {
	Sectors, Addresses, Range string
	Mass, NoBlankCheck        bool
}

// Errors of EraseInput.Request.
var (
	// ErrNothingToErase: no sectors, addresses, range or mass erase.
	ErrNothingToErase = Sentinel(Usage, "nothing to erase: give sectors, addresses, a range or a mass erase")
	// ErrMassNotAlone: a mass erase with sectors, addresses or a range.
	ErrMassNotAlone = Sentinel(Usage, "a mass erase erases everything: give it alone")
)

// FieldError says a field of a request as written cannot be read (a
// Usage error; front ends name their flag with Field).
type FieldError struct {
	// Field is "sector", "address" or "range"; Value the value as given
	// (one address of a list).
	Field, Value string
	Err          error
}

// Kind is Usage.
func (e *FieldError) Kind() Kind { return Usage }

// Error says what is wrong.
func (e *FieldError) Error() string { return fmt.Sprintf("%s %q: %v", e.Field, e.Value, e.Err) }

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// Request reads the input into an EraseRequest.
func (in EraseInput) Request() (EraseRequest, error) {
	r := EraseRequest{Mass: in.Mass, NoBlankCheck: in.NoBlankCheck}
	some := in.Sectors != "" || in.Addresses != "" || in.Range != ""
	if !in.Mass && !some {
		return r, ErrNothingToErase
	}
	if in.Mass && some {
		return r, ErrMassNotAlone
	}
	var err error
	if in.Sectors != "" {
		if r.Sectors, err = ParseSectors(in.Sectors); err != nil {
			return r, &FieldError{"sector", in.Sectors, err}
		}
	}
	if in.Addresses != "" {
		for _, a := range strings.Split(in.Addresses, ",") {
			a = strings.TrimSpace(a)
			v, err := ParseAddress(a)
			if err != nil {
				return r, &FieldError{"address", a, err}
			}
			r.Addresses = append(r.Addresses, v)
		}
	}
	if in.Range != "" {
		rg, err := ParseRange(in.Range)
		if err != nil {
			return r, &FieldError{"range", in.Range, err}
		}
		r.Ranges = []Range{rg}
	}
	return r, nil
}

// BadSectorError names a sector, address or range the board's layout does
// not have (a Usage error; front ends name their flag with Field).
type BadSectorError struct {
	// Field is what was wrong: "sector", "address" or "range".
	Field string
	// Value is the value as given.
	Value string
	// Detail says what the board has, after the value (": the board has
	// sectors 0-11 ...", " reaches outside ...").
	Detail string
}

// Kind is Usage.
func (e *BadSectorError) Kind() Kind { return Usage }

// Error says what is wrong.
func (e *BadSectorError) Error() string { return e.Field + " " + e.Value + e.Detail }

// Sectors resolves r against the board's flash layout into a sorted list
// of erasable sectors; nothing is erased.
func (s *Session) Sectors(r EraseRequest) ([]Sector, error) {
	l, all, err := s.Flash()
	if err != nil {
		return nil, err
	}
	todo := map[int]Sector{}
	for _, i := range r.Sectors {
		if i < 0 || i >= len(all) {
			return nil, &BadSectorError{"sector", fmt.Sprint(i), fmt.Sprintf(": the board has sectors 0-%d (%s)", len(all)-1, l.Describe(0))}
		}
		todo[i] = all[i]
	}
	for _, a := range r.Addresses {
		sec, ok := l.Find(a)
		if !ok {
			return nil, &BadSectorError{"address", fmt.Sprintf("0x%08x", a), " is in no sector of " + l.Describe(0)}
		}
		todo[sec.Index] = sec
	}
	for _, rg := range r.Ranges {
		if !l.Inside(rg.Start, rg.Length, 0) {
			return nil, &BadSectorError{"range", fmt.Sprintf("0x%08x+%d", rg.Start, rg.Length), " reaches outside " + l.Describe(0)}
		}
		for _, sec := range l.Touched(rg.Start, rg.Length) {
			todo[sec.Index] = sec
		}
	}
	if r.Mass {
		for _, sec := range all {
			todo[sec.Index] = sec
		}
	}
	var list []Sector
	for _, sec := range todo {
		if sec.Flags&dfu.Erasable == 0 {
			return nil, Errorf(Usage, "sector %d at 0x%08x cannot be erased (flags %v)", sec.Index, sec.Address, sec.Flags)
		}
		list = append(list, sec)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Index < list[j].Index })
	return list, nil
}

// NotBlankError reports a sector that held data after it was erased: the
// ROM leaves a write-protected sector as it was.
type NotBlankError struct {
	Sector Sector
	At     uint32
	Value  byte
}

// Kind is Verify.
func (e *NotBlankError) Kind() Kind { return Verify }

// Found says what was found.
func (e *NotBlankError) Found() string {
	return fmt.Sprintf("sector %d at 0x%08x is not blank after erase (0x%02x at 0x%08x): it is write-protected", e.Sector.Index, e.Sector.Address, e.Value, e.At)
}

// Error says what was found and what to do.
func (e *NotBlankError) Error() string {
	return e.Found() + "; remove its write protection in the option bytes first"
}

// Erase erases the sectors (with mass, the whole flash in one request),
// then, unless noBlankCheck, reads them back to check they are blank (a
// *NotBlankError names the first that is not).
func (s *Session) Erase(ctx context.Context, list []Sector, mass, noBlankCheck bool, events func(Event)) error {
	if mass {
		emit(events, PhaseStarted{Phase: MassErasing})
		if err := s.conn.MassErase(ctx); err != nil {
			return err
		}
	} else {
		emit(events, PhaseStarted{Phase: Erasing})
		for i, sec := range list {
			if err := s.conn.Erase(ctx, sec.Address); err != nil {
				return err
			}
			emit(events, Progress{Erasing, i + 1, len(list)})
		}
	}
	if noBlankCheck {
		return nil
	}
	return s.BlankCheck(ctx, list, events)
}

// BlankCheck reads the sectors back and checks every byte is 0xFF.
func (s *Session) BlankCheck(ctx context.Context, list []Sector, events func(Event)) error {
	total := 0
	for _, sec := range list {
		total += int(sec.Size)
	}
	emit(events, PhaseStarted{Phase: BlankChecking})
	done := 0
	for _, sec := range list {
		data, err := s.conn.Upload(ctx, sec.Address, int(sec.Size), func(n int) { emit(events, Progress{BlankChecking, done + n, total}) })
		if err != nil {
			return err
		}
		done += int(sec.Size)
		for i, v := range data {
			if v != 0xff {
				return &NotBlankError{Sector: sec, At: sec.Address + uint32(i), Value: v}
			}
		}
	}
	return nil
}

// SectorList names sectors with their addresses: "1 (0x08004000), 2
// (0x08008000)".
func SectorList(secs []Sector) string {
	var s []string
	for _, x := range secs {
		s = append(s, fmt.Sprintf("%d (0x%08x)", x.Index, x.Address))
	}
	return strings.Join(s, ", ")
}
