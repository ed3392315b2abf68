package board

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Selector says which boards a job is for. Empty fields match anything.
type Selector struct {
	// Serial is the USB serial number (case-insensitive).
	Serial string
	// Path is the USB port path (for example 1-1.4).
	Path string
	// UID is the 96-bit unique ID as 24 hex digits (spaces, dashes and
	// colons allowed). An application is matched by the serial
	// CircuitPython derives from it, a bootloader by the ROM serial.
	UID string
	// VIDPID is the USB vendor and product ID as VID:PID in hex
	// (0483:df11).
	VIDPID string
	// All selects every matching board; without it exactly one must match.
	All bool
}

// ParseUID reads a UID written as 24 hex digits (the 12 bytes in memory
// order, as CircuitPython reports it), spaces, dashes and colons allowed.
func ParseUID(s string) ([12]byte, error) {
	var uid [12]byte
	clean := strings.NewReplacer(" ", "", "-", "", ":", "", "0x", "", "0X", "").Replace(s)
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != 12 {
		return uid, Errorf(Usage, "unique ID %q: give the 96-bit unique ID as 24 hex digits, for example 30002D000B51343333353132", s)
	}
	copy(uid[:], b)
	return uid, nil
}

// Check reports a selector that cannot match anything because a field is
// malformed.
func (s Selector) Check() error {
	if s.UID != "" {
		if _, err := ParseUID(s.UID); err != nil {
			return err
		}
	}
	if s.VIDPID != "" {
		if _, _, ok := parseVIDPID(s.VIDPID); !ok {
			return Errorf(Usage, "USB ID %q: give the vendor and product ID in hex as VID:PID, for example 0483:df11", s.VIDPID)
		}
	}
	return nil
}

func parseVIDPID(s string) (vid, pid string, ok bool) {
	v, p, found := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	if !found || len(v) != 4 || len(p) != 4 {
		return "", "", false
	}
	if _, err := hex.DecodeString(v + p); err != nil {
		return "", "", false
	}
	return v, p, true
}

// Match reports whether board b is one the selector names.
func (s Selector) Match(b Board) bool {
	if s.Serial != "" && !strings.EqualFold(b.Serial, s.Serial) {
		return false
	}
	if s.Path != "" && b.Path != s.Path {
		return false
	}
	if s.VIDPID != "" && !strings.EqualFold(b.ID, strings.TrimSpace(s.VIDPID)) {
		return false
	}
	if s.UID != "" {
		uid, err := ParseUID(s.UID)
		if err != nil {
			return false
		}
		want := part.UIDHex(uid)
		if b.Mode == DFU {
			want = part.ROMSerial(uid)
		}
		if !strings.EqualFold(b.Serial, want) {
			return false
		}
	}
	return true
}

// SelectError says why a selection found no single board. Front ends
// render it in their own terms (flags) from its fields.
type SelectError struct {
	K Kind // NoDevice, Ambiguous or Timeout
	// What describes the boards looked for ("board in DFU mode").
	What string
	// Matches are the boards that matched (Ambiguous).
	Matches []Board
	// Present are all boards the bus showed (NoDevice, Timeout).
	Present []Board
	// Waited is how long the selection waited (Timeout).
	Waited time.Duration
}

// Kind returns K.
func (e *SelectError) Kind() Kind { return e.K }

// Error says what was found and what to do, in library terms.
func (e *SelectError) Error() string {
	return e.text(Advice{Narrow: "narrow the selection (serial number, port path or unique ID), or select them all"})
}

// Advice is a front end's words for what a SelectError advises.
type Advice struct {
	// Narrow says how to narrow an ambiguous selection, or select every
	// board it matches.
	Narrow string
	// Lead goes before each candidate's port path (the front end's flag
	// for the path, "--path ").
	Lead string
	// NoBoards ends the advice when no boards are found at all (", or
	// check the cable" comes before it).
	NoBoards string
}

// In says what was found and what to do in a front end's words: an error
// of the same kind.
func (e *SelectError) In(a Advice) error { return Errorf(e.K, "%s", e.text(a)) }

func (e *SelectError) text(a Advice) string {
	switch {
	case e.K == Ambiguous:
		return fmt.Sprintf("%d boards match; %s:\n%s", len(e.Matches), a.Narrow, Candidates(e.Matches, a.Lead))
	case e.K == Timeout:
		return fmt.Sprintf("no %s matching the selection appeared within %v; boards present:\n%s", e.What, e.Waited, Candidates(e.Present, a.Lead))
	case len(e.Present) == 0:
		return "no boards found: connect one and put it in the ROM bootloader (BOOT0 high, reset), or check the cable" + a.NoBoards
	}
	return fmt.Sprintf("no %s matches the selection; boards present:\n%s", e.What, Candidates(e.Present, a.Lead))
}

// Candidates lists boards one a line, each led by lead and its port path
// (front ends pass their flag for the path, "--path ").
func Candidates(bs []Board, lead string) string {
	if len(bs) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, x := range bs {
		if x.Problem != "" {
			fmt.Fprintf(&b, "  %s%s  (%s %s, %s)\n", lead, x.Path, x.ID, x.Mode, x.Problem)
			continue
		}
		fmt.Fprintf(&b, "  %s%s  (%s %s, serial %s, %s)\n", lead, x.Path, x.ID, x.Mode, x.Serial, x.Product)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Query is a selection: which boards, of what sort, and how long to wait
// for one to appear.
type Query struct {
	Selector
	// Want narrows the boards to those of a sort (nil: any).
	Want func(Board) bool
	// What describes them in messages ("board in DFU mode").
	What string
	// Wait, when positive, waits up to this long (in the host's clock) for
	// a matching board to appear.
	Wait time.Duration
	// Events receives Waiting when the selection starts to wait.
	Events func(Event)
}

func (q *Query) accepts(b Board) bool { return q.Match(b) && (q.Want == nil || q.Want(b)) }

// Select returns the boards q names. Without All exactly one must match;
// otherwise the error is a *SelectError listing the candidates.
func Select(ctx context.Context, host usb.Host, q Query) ([]Board, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	if q.What == "" {
		q.What = "board"
	}
	desc := &describer{ctx: ctx, host: host, seen: map[enumeration]Board{}}
	match := func(devs []usb.DeviceInfo, _ time.Time) (*usb.DeviceInfo, bool) {
		for i, b := range desc.all(devs) {
			if q.accepts(b) {
				return &devs[i], true
			}
		}
		return nil, false
	}
	seen, err := Watch(ctx, host, nil, 0, match)
	if seen == nil && err == nil && q.Wait > 0 {
		emit(q.Events, Waiting{What: q.What, For: q.Wait})
		seen, err = Watch(ctx, host, nil, q.Wait, match)
	}
	if err != nil {
		return nil, err
	}
	if seen == nil {
		present, err := List(ctx, host)
		if err != nil {
			return nil, err
		}
		k, waited := NoDevice, time.Duration(0)
		if q.Wait > 0 {
			k, waited = Timeout, q.Wait
		}
		return nil, &SelectError{K: k, What: q.What, Present: present, Waited: waited}
	}
	var out []Board
	for _, b := range desc.all(seen.All) {
		if q.accepts(b) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if len(out) > 1 && !q.All {
		return nil, &SelectError{K: Ambiguous, What: q.What, Matches: out}
	}
	return out, nil
}

// describer describes each enumeration once, however often a wait looks
// at the bus. The enumerations new in a listing are described at the same
// time: each reads its own device's alternate-setting names, and eight
// boards in their ROMs no longer wait for one another's reads.
type describer struct {
	ctx  context.Context
	host usb.Host
	seen map[enumeration]Board
}

// all returns the boards of a listing, in its order.
func (d *describer) all(devs []usb.DeviceInfo) []Board {
	out := make([]Board, len(devs))
	var wg sync.WaitGroup
	for i, info := range devs {
		if b, ok := d.seen[enumerationOf(info)]; ok {
			out[i] = b
			continue
		}
		wg.Go(func() { out[i] = Describe(d.ctx, d.host, info) })
	}
	wg.Wait()
	for i, info := range devs {
		d.seen[enumerationOf(info)] = out[i]
	}
	return out
}

func enumerationOf(d usb.DeviceInfo) enumeration { return enumeration{d.Host, d.Path, d.Address} }

// enumeration names one enumeration of a device: a device that comes
// back at another address is described anew.
type enumeration struct {
	host, path string
	address    int
}

// NotInDFUError says the board a selection names runs an application
// (it wraps ErrNotInDFU).
type NotInDFUError struct{ Board Board }

// Error says what the board does and what to do.
func (e *NotInDFUError) Error() string {
	return fmt.Sprintf("%s: %v: it runs an application; put it in the ROM bootloader first: hold BOOT0 high and press reset, or enter it from software", e.Board, ErrNotInDFU)
}

// Unwrap returns ErrNotInDFU.
func (e *NotInDFUError) Unwrap() error { return ErrNotInDFU }

// SelectDFU selects one board in the ROM bootloader. When the selection
// names only boards that run an application, the error is a *NotInDFUError.
func SelectDFU(ctx context.Context, host usb.Host, q Query) (Board, error) {
	q.All = false
	q.Want = func(b Board) bool { return b.Mode == DFU }
	if q.What == "" {
		q.What = "board in DFU mode"
	}
	bs, err := Select(ctx, host, q)
	if err == nil {
		return bs[0], nil
	}
	if se, ok := err.(*SelectError); ok && se.K == NoDevice {
		for _, b := range se.Present {
			if q.Match(b) {
				return Board{}, &NotInDFUError{b}
			}
		}
	}
	return Board{}, err
}
