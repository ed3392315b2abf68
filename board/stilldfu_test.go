package board

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// lingerHost lists a simulated bus plus devices that have left it but
// that the host has not removed yet (a slow hub driver).
type lingerHost struct {
	*sim.World
	mu     sync.Mutex
	linger []usb.DeviceInfo
	lists  int
}

func (h *lingerHost) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	devs, err := h.World.Devices(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lists++
	return append(devs, h.linger...), err
}

// TestStillDFUAfterLeave: a ROM the host saw drop off the bus in Leave is
// not still there however long the host lists it; a ROM that answered the
// leave and is listed on is, and so is one enumerated again.
func TestStillDFUAfterLeave(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers bool // the ROM answers the leave's GETSTATUS before it goes
		again   bool // a ROM is listed at another address: enumerated again
		still   bool
	}{
		{"dropped off the bus", false, false, false},
		{"answered, then listed on", true, false, true},
		{"dropped off, enumerated again", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			h := &lingerHost{World: newWorld(t, "feather-f405:dfu", sim.Options{LeaveAnswersStatus: tc.answers})}
			s := openOnly(t, h)
			if err := s.Leave(ctx, nil, nil); err != nil {
				t.Fatal(err)
			}
			h.mu.Lock()
			h.linger, h.lists = []usb.DeviceInfo{s.Board}, 0
			if tc.again {
				back := s.Board
				back.Address++
				h.linger = append(h.linger, back)
			}
			h.mu.Unlock()
			if got := s.StillDFU(ctx, 200*time.Millisecond); got != tc.still {
				t.Errorf("StillDFU = %v, want %v (LeftBus %v)", got, tc.still, s.gone)
			}
			if !tc.still && h.lists != 1 {
				t.Errorf("listed the bus %d times, want once: the departed ROM is not waited for", h.lists)
			}
		})
	}
}
