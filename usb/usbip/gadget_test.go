package usbip

import (
	"context"
	"sync"

	"github.com/softdfu/softdfu/usb"
)

// testGadget is a small device model: standard requests from its
// descriptors, a vendor request that echoes wValue, a vendor request that
// stalls, and, when echo is set, a bulk OUT endpoint 0x01 whose data comes
// back on bulk IN endpoint 0x81 (an IN transfer blocks until data arrives).
type testGadget struct {
	desc *usb.Descriptors
	echo bool
	gone chan struct{}
	once sync.Once

	mu       sync.Mutex
	queue    [][]byte
	arrived  chan struct{} // closed and replaced when queue grows
	requests []usb.Setup
}

const (
	reqEcho  = 0x01 // vendor IN: returns wLength bytes of wValue's low byte
	reqStall = 0x02 // vendor: stalls
	reqStore = 0x03 // vendor OUT: accepts any data
)

func newTestGadget(product uint16, serial string, echo bool) *testGadget {
	cfg := usb.ConfigDescriptor{Value: 1, Attributes: 0x80, MaxPower: 50,
		Interfaces: []usb.InterfaceDescriptor{{Number: 0, Class: 0xfe, SubClass: 1, Protocol: 2}}}
	if echo {
		cfg.Interfaces = append(cfg.Interfaces, usb.InterfaceDescriptor{Number: 1, Class: 0xff, SubClass: 0x42, Protocol: 7,
			Endpoints: []usb.EndpointDescriptor{{Address: 0x01, Attributes: usb.TransferBulk, MaxPacketSize: 64}, {Address: 0x81, Attributes: usb.TransferBulk, MaxPacketSize: 64}}})
		cfg.Interfaces = append(cfg.Interfaces, usb.InterfaceDescriptor{Number: 1, Alternate: 1, Class: 0xff})
	}
	return &testGadget{
		desc: &usb.Descriptors{
			Device: usb.DeviceDescriptor{USB: 0x0200, MaxPacketSize0: 64, Vendor: 0x1209, Product: product, Device: 0x0100,
				ManufacturerIndex: 1, ProductIndex: 2, SerialIndex: 3, NumConfigurations: 1},
			Configs: []usb.ConfigDescriptor{cfg},
			Strings: map[uint8]string{1: "softdfu", 2: "test gadget", 3: serial},
		},
		echo:    echo,
		gone:    make(chan struct{}),
		arrived: make(chan struct{}),
	}
}

func (g *testGadget) Descriptors() *usb.Descriptors { return g.desc }
func (g *testGadget) Gone() <-chan struct{}         { return g.gone }
func (g *testGadget) leave()                        { g.once.Do(func() { close(g.gone) }) }

func (g *testGadget) Control(ctx context.Context, s usb.Setup, out []byte) ([]byte, error) {
	select {
	case <-g.gone:
		return nil, usb.ErrGone
	default:
	}
	g.mu.Lock()
	g.requests = append(g.requests, s)
	g.mu.Unlock()
	switch {
	case s.Type() == usb.TypeStandard && s.Request == usb.ReqGetDescriptor:
		b, ok := g.desc.Answer(s)
		if !ok {
			return nil, usb.ErrStall
		}
		return b, nil
	case s.Type() == usb.TypeStandard:
		return nil, nil // SET_ADDRESS, SET_CONFIGURATION, SET_INTERFACE...
	case s.Type() == usb.TypeVendor && s.Request == reqEcho:
		b := make([]byte, s.Length+10) // longer than asked: the server must cut it
		for i := range b {
			b[i] = byte(s.Value)
		}
		return b, nil
	case s.Type() == usb.TypeVendor && s.Request == reqStore:
		return nil, nil
	}
	return nil, usb.ErrStall
}

func (g *testGadget) Transfer(ctx context.Context, ep uint8, out []byte, max int) ([]byte, error) {
	if !g.echo {
		return nil, usb.ErrStall
	}
	switch ep {
	case 0x01:
		g.mu.Lock()
		g.queue = append(g.queue, append([]byte(nil), out...))
		close(g.arrived)
		g.arrived = make(chan struct{})
		g.mu.Unlock()
		return nil, nil
	case 0x81:
		for {
			g.mu.Lock()
			if len(g.queue) > 0 {
				b := g.queue[0]
				g.queue = g.queue[1:]
				g.mu.Unlock()
				return b[:min(len(b), max)], nil
			}
			wait := g.arrived
			g.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-g.gone:
				return nil, usb.ErrGone
			}
		}
	}
	return nil, usb.ErrStall
}

func (g *testGadget) setups() []usb.Setup {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]usb.Setup(nil), g.requests...)
}

// testBus is a usb.Bus with fixed ports.
type testBus struct {
	mu      sync.Mutex
	ports   []string
	at      map[string]usb.Gadget
	changed chan struct{}
}

func newTestBus(ports ...string) *testBus {
	return &testBus{ports: ports, at: map[string]usb.Gadget{}, changed: make(chan struct{})}
}

func (b *testBus) Ports() []string { return b.ports }

func (b *testBus) Attached(port string) usb.Gadget {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.at[port]
}

func (b *testBus) Changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.changed
}

func (b *testBus) attach(port string, g usb.Gadget) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if g == nil {
		delete(b.at, port)
	} else {
		b.at[port] = g
	}
	close(b.changed)
	b.changed = make(chan struct{})
}
