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
		{"present", 0, time.Second, "1-1", 0, false},
		{"appears after 5 polls", 5, time.Second, "1-1", 0, true},
		{"never within the wait", 1000, time.Second, "", board.Timeout.Exit(), true},
		{"no wait", 1, 0, "", board.NoDevice.Exit(), false},
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

// TestNoBusHint: with no USB bus the command line adds where else boards
// come from, once, as a hint.
func TestNoBusHint(t *testing.T) {
	err := fmt.Errorf("listing boards: %w", usbfs.ErrNoBus)
	msg := message(err)
	if !strings.Contains(msg, "\nhint: use --usbip HOST:PORT") || !strings.Contains(msg, "--sim BOARD") {
		t.Errorf("message %q: want the --usbip/--sim hint", msg)
	}
}
