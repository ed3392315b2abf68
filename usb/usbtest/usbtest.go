// Package usbtest records the requests a host sends to a usb.Device as a
// text transcript and plays a transcript back as a usb.Device, so that code
// above the usb layer (dfu, flash) can be tested against a recorded run of
// a real or simulated board without that board: the same idea as
// periph.io's conntest Record and Playback.
//
// A transcript has one line per operation; '#' starts a comment:
//
//	control RT REQ VALUE INDEX LENGTH DIR DATA RESULT
//	claim IFACE RESULT
//	alt IFACE ALT RESULT
//
// RT, REQ (two hex digits), VALUE, INDEX, LENGTH (four) are the setup
// packet; DIR is '>' for OUT (DATA was sent) or '<' for IN (DATA was
// received); DATA is '-' for none or hex pieces joined by '+', where
// "ff*2048" stands for 2048 bytes 0xff; RESULT is ok, stall, gone, timeout,
// busy or "error:" and the message. Playback answers each request with the
// recorded answer; a request that differs from the transcript fails with
// ErrMismatch and a message that shows both.
package usbtest

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// op is one recorded operation.
type op struct {
	kind   string // control, claim, alt
	setup  usb.Setup
	data   []byte
	iface  uint8
	alt    uint8
	result string
	line   int // in the transcript, from 1
}

// String formats the operation as a transcript line.
func (o op) String() string {
	switch o.kind {
	case "claim":
		return fmt.Sprintf("claim %d %s", o.iface, o.result)
	case "alt":
		return fmt.Sprintf("alt %d %d %s", o.iface, o.alt, o.result)
	}
	dir := ">"
	if o.setup.In() {
		dir = "<"
	}
	s := o.setup
	return fmt.Sprintf("control %02x %02x %04x %04x %04x %s %s %s", s.RequestType, s.Request, s.Value, s.Index, s.Length, dir, encodeData(o.data), o.result)
}

// request is the part of the operation the host chooses (for an IN
// request, not the answer), as compared by Playback.
func (o op) request() string {
	if o.kind != "control" || !o.setup.In() {
		return o.String()[:len(o.String())-len(o.result)-1]
	}
	s := o.setup
	return fmt.Sprintf("control %02x %02x %04x %04x %04x <", s.RequestType, s.Request, s.Value, s.Index, s.Length)
}

// encodeData writes b as hex, runs of 16 or more equal bytes as "HH*N".
func encodeData(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	var parts []string
	lit := 0 // start of the pending literal
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] == b[i] {
			j++
		}
		if j-i >= 16 {
			if lit < i {
				parts = append(parts, hex.EncodeToString(b[lit:i]))
			}
			parts = append(parts, fmt.Sprintf("%02x*%d", b[i], j-i))
			lit = j
		}
		i = j
	}
	if lit < len(b) {
		parts = append(parts, hex.EncodeToString(b[lit:]))
	}
	return strings.Join(parts, "+")
}

// decodeData reverses encodeData.
func decodeData(s string) ([]byte, error) {
	if s == "-" {
		return nil, nil
	}
	var out []byte
	for _, p := range strings.Split(s, "+") {
		if v, n, ok := strings.Cut(p, "*"); ok {
			b, err := hex.DecodeString(v)
			k, kerr := strconv.Atoi(n)
			if err != nil || len(b) != 1 || kerr != nil || k < 1 || k > 1<<16 {
				return nil, fmt.Errorf("data piece %q: want HH*COUNT (one hex byte, a count up to 65536)", p)
			}
			for range k {
				out = append(out, b[0])
			}
			continue
		}
		b, err := hex.DecodeString(p)
		if err != nil {
			return nil, fmt.Errorf("data piece %q is not hex: %w", p, err)
		}
		out = append(out, b...)
	}
	return out, nil
}

// resultOf names an error as a transcript RESULT.
func resultOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, usb.ErrStall):
		return "stall"
	case errors.Is(err, usb.ErrGone):
		return "gone"
	case errors.Is(err, usb.ErrTimeout):
		return "timeout"
	case errors.Is(err, usb.ErrBusy):
		return "busy"
	}
	return "error:" + strings.ReplaceAll(err.Error(), "\n", " ")
}

// errorOf turns a transcript RESULT back into an error.
func errorOf(result string) error {
	switch result {
	case "ok":
		return nil
	case "stall":
		return usb.ErrStall
	case "gone":
		return usb.ErrGone
	case "timeout":
		return usb.ErrTimeout
	case "busy":
		return usb.ErrBusy
	}
	return errors.New(strings.TrimPrefix(result, "error:"))
}

// Record is a usb.Device that passes every operation to Device and writes
// it to W as a transcript line. Its Info has no configuration descriptors,
// so that code which reads them from the device does so on the record.
type Record struct {
	Device usb.Device
	W      io.Writer

	mu  sync.Mutex
	err error
}

// Info returns the device's information without its configurations.
func (r *Record) Info() usb.DeviceInfo {
	i := r.Device.Info()
	i.Descriptors.Configs = nil
	return i
}

// Clock returns the recorded device's clock, so that waits happen in it.
func (r *Record) Clock() usb.Clock { return usb.ClockOf(r.Device) }

func (r *Record) write(o op) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := fmt.Fprintln(r.W, o.String()); err != nil && r.err == nil {
		r.err = err
	}
}

// Err returns the first error writing the transcript.
func (r *Record) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Control performs and records a control transfer.
func (r *Record) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	n, err := r.Device.Control(ctx, s, data)
	moved := data
	if s.In() {
		moved = data[:max(n, 0)]
	}
	r.write(op{kind: "control", setup: s, data: moved, result: resultOf(err)})
	return n, err
}

// Claim claims and records.
func (r *Record) Claim(ctx context.Context, iface uint8) error {
	err := r.Device.Claim(ctx, iface)
	r.write(op{kind: "claim", iface: iface, result: resultOf(err)})
	return err
}

// SetAlternate selects and records.
func (r *Record) SetAlternate(ctx context.Context, iface, alt uint8) error {
	err := r.Device.SetAlternate(ctx, iface, alt)
	r.write(op{kind: "alt", iface: iface, alt: alt, result: resultOf(err)})
	return err
}

// Transfer is not recorded: transcripts hold endpoint 0 only.
func (r *Record) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	return 0, fmt.Errorf("usbtest: Record holds control transfers only, not endpoint 0x%02x", ep)
}

// Close closes the recorded device.
func (r *Record) Close() error { return r.Device.Close() }

// ErrMismatch is wrapped by every error of a Playback that saw a request
// the transcript does not hold at that point.
var ErrMismatch = errors.New("usbtest: request differs from the transcript")

// Playback is a usb.Device that answers from a transcript. Its clock
// starts at a fixed time and advances only when something sleeps in it.
type Playback struct {
	name  string
	ops   []op
	clock *fakeClock

	mu       sync.Mutex
	next     int
	mismatch error
}

// Load reads a transcript file for playback.
func Load(name string) (*Playback, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(name, f)
}

// Parse reads a transcript; name appears in messages.
func Parse(name string, r io.Reader) (*Playback, error) {
	p := &Playback{name: name, clock: &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		o, err := parseOp(line)
		if err != nil {
			return nil, fmt.Errorf("usbtest: %s line %d: %w", name, n, err)
		}
		o.line = n
		p.ops = append(p.ops, o)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("usbtest: reading %s: %w", name, err)
	}
	return p, nil
}

func parseOp(line string) (op, error) {
	f := strings.Fields(line)
	hexN := func(s string, bits int) (uint64, error) { return strconv.ParseUint(s, 16, bits) }
	dec := func(s string) (uint8, error) { v, err := strconv.ParseUint(s, 10, 8); return uint8(v), err }
	rest := func(i int) string { return strings.Join(f[i:], " ") }
	switch {
	case len(f) >= 3 && f[0] == "claim":
		i, err := dec(f[1])
		return op{kind: "claim", iface: i, result: rest(2)}, err
	case len(f) >= 4 && f[0] == "alt":
		i, err1 := dec(f[1])
		a, err2 := dec(f[2])
		return op{kind: "alt", iface: i, alt: a, result: rest(3)}, errors.Join(err1, err2)
	case len(f) >= 9 && f[0] == "control":
		var v [5]uint64
		for k, bits := range []int{8, 8, 16, 16, 16} {
			x, err := hexN(f[1+k], bits)
			if err != nil {
				return op{}, fmt.Errorf("setup field %q: %w", f[1+k], err)
			}
			v[k] = x
		}
		s := usb.Setup{RequestType: uint8(v[0]), Request: uint8(v[1]), Value: uint16(v[2]), Index: uint16(v[3]), Length: uint16(v[4])}
		if want := map[bool]string{true: "<", false: ">"}[s.In()]; f[6] != want {
			return op{}, fmt.Errorf("direction %q does not match request type 0x%02x (want %q)", f[6], s.RequestType, want)
		}
		data, err := decodeData(f[7])
		return op{kind: "control", setup: s, data: data, result: rest(8)}, err
	}
	return op{}, fmt.Errorf("%q: want control RT REQ VALUE INDEX LENGTH DIR DATA RESULT, claim IFACE RESULT or alt IFACE ALT RESULT", line)
}

// Info describes the played-back device: no descriptors (they are read
// from the transcript like any request).
func (p *Playback) Info() usb.DeviceInfo {
	return usb.DeviceInfo{Host: "playback", Path: p.name}
}

// Clock returns the playback's clock.
func (p *Playback) Clock() usb.Clock { return p.clock }

// take checks got against the next operation of the transcript and
// returns it.
func (p *Playback) take(got op) (op, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mismatch != nil {
		return op{}, p.mismatch
	}
	if p.next >= len(p.ops) {
		p.mismatch = fmt.Errorf("%w: request %d is past the end of %s (%d requests)\n  got:  %s", ErrMismatch, p.next+1, p.name, len(p.ops), got.request())
		return op{}, p.mismatch
	}
	want := p.ops[p.next]
	if want.request() != got.request() {
		p.mismatch = fmt.Errorf("%w: request %d (%s line %d)\n  want: %s\n  got:  %s%s", ErrMismatch, p.next+1, p.name, want.line, want.request(), got.request(), dataDiff(want, got))
		return op{}, p.mismatch
	}
	p.next++
	return want, nil
}

// dataDiff points at the first differing byte of two OUT requests with
// the same setup packet, whose lines are long.
func dataDiff(want, got op) string {
	if want.kind != "control" || got.setup != want.setup || want.setup.In() {
		return ""
	}
	for i := range max(len(want.data), len(got.data)) {
		if i >= len(want.data) || i >= len(got.data) {
			return fmt.Sprintf("\n  data: %d bytes, the transcript has %d", len(got.data), len(want.data))
		}
		if want.data[i] != got.data[i] {
			return fmt.Sprintf("\n  data byte %d: want 0x%02x, got 0x%02x", i, want.data[i], got.data[i])
		}
	}
	return ""
}

// Control answers a control transfer from the transcript.
func (p *Playback) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	got := op{kind: "control", setup: s}
	if !s.In() {
		got.data = data
	}
	want, err := p.take(got)
	if err != nil {
		return 0, err
	}
	n := 0
	if s.In() {
		n = copy(data, want.data)
	} else {
		n = len(data)
	}
	return n, errorOf(want.result)
}

// Claim answers from the transcript.
func (p *Playback) Claim(ctx context.Context, iface uint8) error {
	want, err := p.take(op{kind: "claim", iface: iface})
	if err != nil {
		return err
	}
	return errorOf(want.result)
}

// SetAlternate answers from the transcript.
func (p *Playback) SetAlternate(ctx context.Context, iface, alt uint8) error {
	want, err := p.take(op{kind: "alt", iface: iface, alt: alt})
	if err != nil {
		return err
	}
	return errorOf(want.result)
}

// Transfer fails: transcripts hold endpoint 0 only.
func (p *Playback) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	return 0, fmt.Errorf("usbtest: Playback holds control transfers only, not endpoint 0x%02x", ep)
}

// Close does nothing; Done tells whether the transcript was played out.
func (p *Playback) Close() error { return nil }

// Done returns the first mismatch, or an error if requests of the
// transcript were never made; nil when the host made exactly the recorded
// requests.
func (p *Playback) Done() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mismatch != nil {
		return p.mismatch
	}
	if p.next < len(p.ops) {
		w := p.ops[p.next]
		return fmt.Errorf("%w: the host stopped after %d of %d requests; next in %s line %d: %s", ErrMismatch, p.next, len(p.ops), p.name, w.line, w.request())
	}
	return nil
}

// fakeClock is simulated time that advances only in Sleep.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.now = c.now.Add(max(d, 0))
	c.mu.Unlock()
	return nil
}
