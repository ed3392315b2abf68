package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// selection is how a command picks boards: --serial, --path, --uid, --all,
// and --wait for a board that is not there yet.
type selection struct {
	serial string
	path   string
	uid    string
	all    bool
	wait   time.Duration
}

func (s *selection) flags(fs *pflag.FlagSet) {
	fs.StringVar(&s.serial, "serial", "", "the board with this USB serial number")
	fs.StringVar(&s.path, "path", "", "the board on this USB port path (for example 1-1.4)")
	fs.StringVar(&s.uid, "uid", "", "the board with this 96-bit unique ID (24 hex digits, as its application reports it); in the bootloader it is matched by the ROM serial the UID gives")
	fs.BoolVar(&s.all, "all", false, "every matching board, in parallel")
	fs.DurationVar(&s.wait, "wait", 0, "wait up to this `duration` for a matching board to appear (plugged in, or put in DFU mode by hand)")
}

// parseUID reads a UID written as 24 hex digits (the 12 bytes in memory
// order, as CircuitPython reports it), spaces, dashes and colons allowed.
func parseUID(s string) ([12]byte, error) {
	var uid [12]byte
	clean := strings.NewReplacer(" ", "", "-", "", ":", "", "0x", "", "0X", "").Replace(s)
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) != 12 {
		return uid, usageError("--uid %q: give the 96-bit unique ID as 24 hex digits, for example 30002D000B51343333353132", s)
	}
	copy(uid[:], b)
	return uid, nil
}

func (s *selection) match(b board) bool {
	if s.serial != "" && !strings.EqualFold(b.Serial, s.serial) {
		return false
	}
	if s.path != "" && b.Path != s.path {
		return false
	}
	if s.uid != "" {
		uid, err := parseUID(s.uid)
		if err != nil {
			return false
		}
		want := part.UIDHex(uid)
		if b.Mode == "dfu" {
			want = part.ROMSerial(uid)
		}
		if !strings.EqualFold(b.Serial, want) {
			return false
		}
	}
	return true
}

// pick returns the boards the selection names among those accepted by
// want. Without --all exactly one must match; an ambiguous selection lists
// the candidates. With --wait it polls the host (in the host's clock)
// until a board matches or the time is up.
func (e *env) pick(ctx context.Context, s *selection, what string, want func(board) bool) (usb.Host, []board, error) {
	if s.uid != "" {
		if _, err := parseUID(s.uid); err != nil {
			return nil, nil, err
		}
	}
	host, all, err := e.boards(ctx)
	if err != nil {
		return nil, nil, err
	}
	var clock usb.Clock
	var deadline time.Time
	if s.wait > 0 {
		clock = usb.ClockOf(host)
		deadline = clock.Now().Add(s.wait)
	}
	said := false
	for {
		var out []board
		for _, b := range all {
			if s.match(b) && (want == nil || want(b)) {
				out = append(out, b)
			}
		}
		switch {
		case len(out) > 1 && !s.all:
			return nil, nil, ambiguous("%d boards match; choose one with --serial, --path or --uid, or use --all:\n%s", len(out), candidates(out))
		case len(out) > 0:
			return host, out, nil
		case clock != nil && clock.Now().Before(deadline):
			if !said {
				e.say("waiting up to %v for a %s to appear (plug it in, or hold BOOT0 high and press reset)", s.wait, what)
				said = true
			}
			if err := clock.Sleep(ctx, 100*time.Millisecond); err != nil {
				return nil, nil, err
			}
			if _, all, err = e.boards(ctx); err != nil {
				return nil, nil, err
			}
			continue
		case clock != nil:
			return nil, nil, timeoutError("no %s matching the selection appeared within %v; boards present:\n%s", what, s.wait, candidatesOrNone(all))
		case len(all) == 0:
			return nil, nil, noDevice("no boards found: connect one and put it in the ROM bootloader (BOOT0 high, reset), or check the cable and softdfu list; --wait DURATION waits for one")
		}
		return nil, nil, noDevice("no %s matches the selection; boards present:\n%s", what, candidates(all))
	}
}

func candidatesOrNone(bs []board) string {
	if len(bs) == 0 {
		return "  (none)"
	}
	return candidates(bs)
}

func candidates(bs []board) string {
	var b strings.Builder
	for _, x := range bs {
		fmt.Fprintf(&b, "  --path %s  (%s %s, serial %s, %s)\n", x.Path, x.ID, x.Mode, x.Serial, x.Product)
	}
	return strings.TrimRight(b.String(), "\n")
}

// updatable reports whether softdfu can update b: a device in DFU mode, or
// an application with a software entry method softdfu knows. With a forced
// --method any application with a serial port or a DFU run-time interface
// qualifies; without it, unknown devices (keyboards, hubs, modems) are never
// touched.
func updatable(b board, forced bool) bool {
	if b.Mode == "dfu" || b.Mode == "dfu-runtime" {
		return true
	}
	if len(enter.Methods(b.info.Descriptors)) > 0 {
		return true
	}
	_, acm := enter.FindACM(b.info.Descriptors)
	return forced && acm
}
