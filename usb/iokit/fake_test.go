package iokit

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// fakeSystem answers the backend's IOKit calls with a simulated world:
// board N on port 1-N has locationID 0x14N00000 (bus 20, port N), an
// application has a /dev/cu.usbmodem port.
type fakeSystem struct {
	world *sim.World

	mu       sync.Mutex
	handles  []*fakeHandle
	openErr  error
	hang     bool
	entered  chan struct{}
	excluded bool // exclusive answers kIOReturnExclusiveAccess
}

func newFake(t *testing.T, specs ...sim.Spec) *fakeSystem {
	t.Helper()
	w, err := sim.New(specs, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeSystem{world: w}
}

func loc(path string) uint32 {
	return 0x14<<24 | uint32(strings.TrimPrefix(path, "1-")[0]-'0')<<20
}

func (f *fakeSystem) devices() ([]entry, error) {
	infos, _ := f.world.Devices(context.Background())
	var out []entry
	for i, in := range infos {
		d := in.Descriptors.Device
		out = append(out, entry{ID: uint64(100 + i), VID: d.Vendor, PID: d.Product, LocationID: loc(in.Path), Serial: in.Descriptors.Serial()})
	}
	return out, nil
}

func (f *fakeSystem) open(e entry) (handle, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	infos, _ := f.world.Devices(context.Background())
	for _, in := range infos {
		if loc(in.Path) == e.LocationID {
			d, err := f.world.Open(context.Background(), in)
			if err != nil {
				return nil, kIOReturnNoDevice
			}
			h := &fakeHandle{f: f, dev: d, aborted: make(chan struct{}, 1)}
			f.mu.Lock()
			f.handles = append(f.handles, h)
			f.mu.Unlock()
			return h, nil
		}
	}
	return nil, kIOReturnNoDevice
}

func (f *fakeSystem) serialPorts() ([]serialPort, error) {
	infos, _ := f.world.Devices(context.Background())
	var out []serialPort
	for _, in := range infos {
		if !usb.InDFUMode(in.Descriptors) {
			d := in.Descriptors.Device
			out = append(out, serialPort{Name: "/dev/cu.usbmodem" + in.Descriptors.Serial() + "1", VID: d.Vendor, PID: d.Product, Serial: in.Descriptors.Serial(), LocationID: loc(in.Path)})
		}
	}
	return out, nil
}

type fakeHandle struct {
	f       *fakeSystem
	dev     usb.Device
	aborted chan struct{}

	mu       sync.Mutex
	excl     bool
	claimed  []uint8
	aborts   int
	closed   bool
	timeouts []time.Duration
}

func ioErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, usb.ErrStall):
		return kIOUSBPipeStalled
	case errors.Is(err, usb.ErrGone):
		return kIOReturnNoDevice
	case errors.Is(err, context.DeadlineExceeded):
		return kIOUSBTransactionTimeout
	}
	return ioReturn(0xe00002bc) // kIOReturnError
}

func (h *fakeHandle) control(s usb.Setup, data []byte, t time.Duration) (int, error) {
	h.mu.Lock()
	h.timeouts = append(h.timeouts, t)
	h.mu.Unlock()
	if h.f.hang && s.Type() == usb.TypeClass {
		h.f.entered <- struct{}{}
		<-h.aborted
		return 0, kIOReturnAborted
	}
	if s.Type() == usb.TypeClass && !h.excl {
		return 0, kIOReturnNotOpen
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	n, err := h.dev.Control(ctx, s, data)
	return n, ioErr(err)
}

func (h *fakeHandle) exclusive() error {
	if h.f.excluded {
		return kIOReturnExclusiveAccess
	}
	h.excl = true
	return nil
}

func (h *fakeHandle) claim(iface uint8) error {
	h.claimed = append(h.claimed, iface)
	return ioErr(h.dev.Claim(context.Background(), iface))
}

func (h *fakeHandle) setAlternate(iface, alt uint8) error {
	return ioErr(h.dev.SetAlternate(context.Background(), iface, alt))
}

func (h *fakeHandle) abort() error {
	h.mu.Lock()
	h.aborts++
	h.mu.Unlock()
	select {
	case h.aborted <- struct{}{}:
	default:
	}
	return nil
}

func (h *fakeHandle) close() error {
	h.closed = true
	return h.dev.Close()
}
