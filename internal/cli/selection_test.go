package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// lateHost shows no device for its first polls, like a board plugged in
// while softdfu waits.
type lateHost struct {
	w            *sim.World
	calls, after int
}

func (h *lateHost) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	h.calls++
	if h.calls <= h.after {
		return nil, nil
	}
	return h.w.Devices(ctx)
}

func (h *lateHost) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	return h.w.Open(ctx, info)
}

func (h *lateHost) Clock() usb.Clock { return h.w.Clock() }

func TestPickWait(t *testing.T) {
	tests := []struct {
		name       string
		after      int
		wait       time.Duration
		wantPath   string
		wantCode   int
		wantWaited bool
	}{
		{"present", 0, time.Second, "1-1", ExitOK, false},
		{"appears after 5 polls", 5, time.Second, "1-1", ExitOK, true},
		{"never within the wait", 1000, time.Second, "", ExitTimeout, true},
		{"no wait", 1, 0, "", ExitNoDevice, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			e := &env{stdout: &out, stderr: &out}
			h := &lateHost{w: w, after: tt.after}
			e.hosts.Use(h)
			_, bs, err := e.pick(context.Background(), &selection{wait: tt.wait}, "board in DFU mode", func(b board.Board) bool { return b.Mode == board.DFU })
			if code, _ := classify(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantPath != "" && (len(bs) != 1 || bs[0].Path != tt.wantPath) {
				t.Fatalf("picked %v, want %s", bs, tt.wantPath)
			}
			if waited := strings.Contains(out.String(), "waiting up to"); waited != tt.wantWaited {
				t.Errorf("said waiting = %v, want %v (output %q)", waited, tt.wantWaited, out.String())
			}
			if tt.wait > 0 && tt.after > 0 && tt.after < 1000 && h.calls != tt.after+1 {
				t.Errorf("polled %d times, want %d", h.calls, tt.after+1)
			}
		})
	}
}

func TestParseFlagValues(t *testing.T) {
	idx := []struct {
		in   string
		want string
	}{
		{"0", "sector 0"}, {"3,1,2", "sector 1-3"}, {"0,2,4-6", "sector 0,2,4-6"}, {"5-5,5", "sector 5"},
	}
	for _, tt := range idx {
		n, err := parseIndexList("sector", tt.in)
		if err != nil || indexText(n) != tt.want {
			t.Errorf("parseIndexList(%q) = %v, %v; want %s", tt.in, n, err, tt.want)
		}
	}
	for _, bad := range []string{"", "a", "-1", "3-1", "1,,2", "0-5000"} {
		if _, err := parseIndexList("sector", bad); err == nil {
			t.Errorf("parseIndexList(%q) accepted", bad)
		}
	}
	sizes := map[string]int{"16384": 16384, "0x4000": 16384, "16K": 16384, "1M": 1 << 20, "2k": 2048}
	for in, want := range sizes {
		if got, err := board.ParseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "K", "-4", "5G", "0x100000000"} {
		if _, err := board.ParseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
	ranges := []struct {
		in    string
		start uint32
		n     uint64
	}{
		{"0x08000000-0x0801ffff", 0x08000000, 0x20000},
		{"0x08000000+128K", 0x08000000, 0x20000},
		{"0x08004000-0x08004000", 0x08004000, 1},
	}
	for _, tt := range ranges {
		r, err := board.ParseRange(tt.in)
		s, n := r.Start, r.Length
		if err != nil || s != tt.start || n != tt.n {
			t.Errorf("board.ParseRange(%q) = %#x, %#x, %v; want %#x, %#x", tt.in, s, n, err, tt.start, tt.n)
		}
	}
	for _, bad := range []string{"", "8", "0x08001000-0x08000000", "x-y", "0x08000000+0"} {
		if _, err := board.ParseRange(bad); err == nil {
			t.Errorf("board.ParseRange(%q) accepted", bad)
		}
	}
}

// FuzzFlagValues checks the flag-value parsers never panic and that what
// they accept is consistent.
func FuzzFlagValues(f *testing.F) {
	for _, s := range []string{"0,2,4-6", "0x08000000+128K", "0x08000000-0x0801ffff", "16K", "30002D000B51343333353132", "1-", "+", "99999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parseIndexList("sector", s); err == nil {
			for i := 1; i < len(n); i++ {
				if n[i] <= n[i-1] {
					t.Fatalf("parseIndexList(%q) = %v: not sorted and distinct", s, n)
				}
			}
		}
		if n, err := board.ParseSize(s); err == nil && n <= 0 {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
		if r, err := board.ParseRange(s); err == nil && (r.Length == 0 || uint64(r.Start)+r.Length > 1<<32) {
			t.Fatalf("board.ParseRange(%q) = %#x, %d", s, r.Start, r.Length)
		}
		board.ParseUID(s)
	})
}

// TestNoBusHint: with no USB bus the command line adds where else boards
// come from, once, as a hint.
func TestNoBusHint(t *testing.T) {
	err := fmt.Errorf("listing boards: %w", usbfs.ErrNoBus)
	msg := message(err)
	if !strings.Contains(msg, "\nhint: use --usbip HOST:PORT") || !strings.Contains(msg, "--sim BOARD") {
		t.Errorf("message %q: want the --usbip/--sim hint", msg)
	}
}
