package libusb

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// fakeLib answers libusb calls with a simulated world: device "pointers"
// are indexes into the world's device list at the time of the call, plus
// one root hub (no port numbers) that Devices must skip.
type fakeLib struct {
	world *sim.World

	mu      sync.Mutex
	opened  map[uintptr]usb.Device
	next    uintptr
	claims  []uint8
	closes  int
	openErr error // what open answers, when set
	// hangOnce makes the next class request block until hang is closed.
	hangOnce atomic.Bool
	hang     chan struct{}
	entered  chan struct{}
}

func newFake(t *testing.T, specs ...sim.Spec) *fakeLib {
	t.Helper()
	w, err := sim.New(specs, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeLib{world: w, opened: map[uintptr]usb.Device{}, next: 100}
}

func (f *fakeLib) infos() []usb.DeviceInfo {
	in, _ := f.world.Devices(context.Background())
	return in
}

func (f *fakeLib) devices() ([]uintptr, func(), error) {
	out := []uintptr{0} // the root hub
	for i := range f.infos() {
		out = append(out, uintptr(i+1))
	}
	return out, func() {}, nil
}

func (f *fakeLib) describe(dev uintptr) (usb.DeviceDescriptor, uint8, []uint8, uint8, error) {
	if dev == 0 {
		return usb.DeviceDescriptor{Vendor: 0x1d6b, Product: 2}, 1, nil, 1, nil
	}
	in := f.infos()
	if int(dev) > len(in) {
		return usb.DeviceDescriptor{}, 0, nil, 0, errNoDevice
	}
	i := in[dev-1]
	port := strings.TrimPrefix(i.Path, "1-")
	return i.Descriptors.Device, 1, []uint8{port[0] - '0'}, uint8(i.Address), nil
}

func (f *fakeLib) open(dev uintptr) (uintptr, error) {
	if f.openErr != nil {
		return 0, f.openErr
	}
	in := f.infos()
	if dev == 0 || int(dev) > len(in) {
		return 0, errNoDevice
	}
	d, err := f.world.Open(context.Background(), in[dev-1])
	if err != nil {
		return 0, errNoDevice
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	f.opened[f.next] = d
	return f.next, nil
}

func (f *fakeLib) dev(h uintptr) usb.Device {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opened[h]
}

func (f *fakeLib) close(h uintptr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.opened, h)
	f.closes++
}

// libErr is what libusb answers for a simulated device's error.
func libErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, usb.ErrStall):
		return errPipe
	case errors.Is(err, usb.ErrGone):
		return errNoDevice
	case errors.Is(err, context.DeadlineExceeded):
		return errTimeout
	}
	return errIO
}

func (f *fakeLib) control(h uintptr, s usb.Setup, data []byte, t time.Duration) (int, error) {
	if s.Type() == usb.TypeClass && f.hangOnce.CompareAndSwap(true, false) {
		f.entered <- struct{}{}
		<-f.hang
		return 0, errTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	n, err := f.dev(h).Control(ctx, s, data)
	return n, libErr(err)
}

func (f *fakeLib) claim(h uintptr, iface uint8) error {
	f.mu.Lock()
	f.claims = append(f.claims, iface)
	f.mu.Unlock()
	return libErr(f.dev(h).Claim(context.Background(), iface))
}

func (f *fakeLib) release(h uintptr, iface uint8) error { return nil }

func (f *fakeLib) setAlt(h uintptr, iface, alt uint8) error {
	return libErr(f.dev(h).SetAlternate(context.Background(), iface, alt))
}

func (f *fakeLib) transfer(h uintptr, ep uint8, interrupt bool, data []byte, t time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	n, err := f.dev(h).Transfer(ctx, ep, data)
	return n, libErr(err)
}
