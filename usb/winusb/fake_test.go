package winusb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// fakeSystem answers the backend's Windows calls with a simulated world:
// every enumerated board is a device node on the first controller, a
// DFU-mode board has WinUSB bound (unless driver says otherwise), an
// application has usbser and a COM port.
type fakeSystem struct {
	t     *testing.T
	world *sim.World
	// driver overrides the service of DFU-mode boards ("" = "WinUSB").
	driver string
	// noDriver drops the service altogether.
	noDriver bool

	mu      sync.Mutex
	handles []*fakeHandle
	// hang makes control transfers block until cancelled.
	hang bool
	// entered receives a value when a hanging transfer has begun.
	entered chan struct{}
	// err, when set, is what every control transfer answers.
	err error
}

func newFake(t *testing.T, specs ...sim.Spec) *fakeSystem {
	t.Helper()
	w, err := sim.New(specs, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &fakeSystem{t: t, world: w}
}

func (f *fakeSystem) nodes() ([]node, error) {
	infos, err := f.world.Devices(context.Background())
	if err != nil {
		return nil, err
	}
	// A root hub comes first, as SetupAPI lists it too: Devices skips it.
	out := []node{{InstanceID: `USB\ROOT_HUB30\4&1234&0&0`, Service: "USBHUB3", LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)`}}}
	for _, in := range infos {
		d := in.Descriptors.Device
		port := strings.TrimPrefix(in.Path, "1-")
		n := node{
			InstanceID:    fmt.Sprintf(`USB\VID_%04X&PID_%04X\%s`, d.Vendor, d.Product, in.Descriptors.Serial()),
			HardwareIDs:   []string{fmt.Sprintf(`USB\VID_%04X&PID_%04X&REV_%04X`, d.Vendor, d.Product, d.Device)},
			Name:          in.Descriptors.ProductName(),
			LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(` + port + `)`},
			Location:      "Port_#000" + port + ".Hub_#0001",
		}
		switch {
		case needsWinUSB(in.Descriptors) && f.noDriver:
		case needsWinUSB(in.Descriptors) && f.driver != "":
			n.Service = f.driver
		case needsWinUSB(in.Descriptors):
			n.Service = "WinUSB"
			n.Interfaces = []string{`\\?\` + strings.ReplaceAll(n.InstanceID, `\`, "#") + "#{dee824ef-729b-4a0e-9c14-b7117d33a817}"}
		default:
			n.Service = "usbser"
		}
		out = append(out, n)
	}
	return out, nil
}

// device opens the simulated device behind a node.
func (f *fakeSystem) device(n node) (usb.Device, error) {
	infos, _ := f.world.Devices(context.Background())
	for _, in := range infos {
		port := strings.TrimPrefix(in.Path, "1-")
		if strings.HasSuffix(n.LocationPaths[0], "USB("+port+")") {
			return f.world.Open(context.Background(), in)
		}
	}
	return nil, errDeviceNotConnected
}

func (f *fakeSystem) hubControl(n node, s usb.Setup, data []byte) (int, error) {
	if s.Request != usb.ReqGetDescriptor || !s.In() {
		f.t.Errorf("hub driver asked for %s: it only passes GET_DESCRIPTOR", s)
	}
	d, err := f.device(n)
	if err != nil {
		return 0, err
	}
	return d.Control(context.Background(), s, data)
}

func (f *fakeSystem) open(n node) (handle, error) {
	if len(n.Interfaces) == 0 {
		f.t.Errorf("open of %s without a WinUSB interface", n.InstanceID)
	}
	d, err := f.device(n)
	if err != nil {
		return nil, err
	}
	h := &fakeHandle{f: f, dev: d, cancelled: make(chan struct{}, 1)}
	f.mu.Lock()
	f.handles = append(f.handles, h)
	f.mu.Unlock()
	return h, nil
}

func (f *fakeSystem) serialPorts() ([]serialPort, error) {
	infos, _ := f.world.Devices(context.Background())
	var out []serialPort
	for i, in := range infos {
		if !needsWinUSB(in.Descriptors) {
			d := in.Descriptors.Device
			out = append(out, serialPort{Name: fmt.Sprintf("COM%d", i+3), VID: d.Vendor, PID: d.Product, Serial: strings.ToLower(in.Descriptors.Serial())})
		}
	}
	return out, nil
}

// fakeHandle is an opened simulated device as WinUSB would present it.
type fakeHandle struct {
	f         *fakeSystem
	dev       usb.Device
	cancelled chan struct{}

	mu       sync.Mutex
	timeouts []time.Duration
	alts     []uint8
	closed   bool
	cancels  int
}

// transferCtx is the context a real transfer would have: the pipe
// timeout, ended early by cancel.
func (h *fakeHandle) transferCtx(timeout time.Duration) (context.Context, func()) {
	h.mu.Lock()
	h.timeouts = append(h.timeouts, timeout)
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	go func() {
		select {
		case <-h.cancelled:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// winErr turns the simulated device's answer into WinUSB's.
func winErr(ctx context.Context, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() == context.DeadlineExceeded:
		return errSemTimeout
	case ctx.Err() != nil:
		return errOperationAborted
	case errors.Is(err, usb.ErrStall):
		return errGenFailure
	case errors.Is(err, usb.ErrGone):
		return errDeviceNotConnected
	}
	return syscall.Errno(1784) // ERROR_INVALID_USER_BUFFER: anything else
}

func (h *fakeHandle) control(s usb.Setup, data []byte, timeout time.Duration) (int, error) {
	ctx, cancel := h.transferCtx(timeout)
	defer cancel()
	if h.f.err != nil {
		return 0, h.f.err
	}
	if h.f.hang {
		h.f.entered <- struct{}{}
		<-ctx.Done()
		return 0, winErr(ctx, ctx.Err())
	}
	n, err := h.dev.Control(ctx, s, data)
	return n, winErr(ctx, err)
}

func (h *fakeHandle) descriptor(typ, index uint8, lang uint16, data []byte) (int, error) {
	s := usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: uint16(typ)<<8 | uint16(index), Index: lang, Length: uint16(len(data))}
	n, err := h.dev.Control(context.Background(), s, data)
	return n, winErr(context.Background(), err)
}

func (h *fakeHandle) setAlternate(alt uint8) error {
	h.mu.Lock()
	h.alts = append(h.alts, alt)
	h.mu.Unlock()
	return winErr(context.Background(), h.dev.SetAlternate(context.Background(), 0, alt))
}

func (h *fakeHandle) transfer(ep uint8, data []byte, timeout time.Duration) (int, error) {
	ctx, cancel := h.transferCtx(timeout)
	defer cancel()
	n, err := h.dev.Transfer(ctx, ep, data)
	return n, winErr(ctx, err)
}

func (h *fakeHandle) cancel() error {
	h.mu.Lock()
	h.cancels++
	h.mu.Unlock()
	select {
	case h.cancelled <- struct{}{}:
	default:
	}
	return nil
}

func (h *fakeHandle) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	return h.dev.Close()
}
