package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"

	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// bridge serves a simulated world to the page's test shim (testdata/shim.js)
// over a WebSocket: every WebUSB and Web Serial call the page makes
// arrives here as a JSON request and runs on the simulated board's USB
// device.
type bridge struct {
	world *sim.World

	mu       sync.Mutex
	devs     map[string]usb.Device // open devices by handle
	ports    map[string]*enter.ACM // open serial ports by handle
	requests []string              // every USB request the page made, in order
}

func newBridge(w *sim.World) *bridge {
	return &bridge{world: w, devs: map[string]usb.Device{}, ports: map[string]*enter.ACM{}}
}

// message is a request from the shim, and the answer it gets.
type message struct {
	ID     int             `json:"id"`
	Op     string          `json:"op"`
	Dev    string          `json:"dev,omitempty"`
	Setup  *setupJSON      `json:"setup,omitempty"`
	Length int             `json:"length,omitempty"`
	Data   []byte          `json:"data,omitempty"`
	N      int             `json:"n,omitempty"`
	Alt    int             `json:"alt,omitempty"`
	Baud   int             `json:"baud,omitempty"`
	DTR    bool            `json:"dtr,omitempty"`
	RTS    bool            `json:"rts,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

type setupJSON struct {
	RequestType string `json:"requestType"`
	Recipient   string `json:"recipient"`
	Request     uint8  `json:"request"`
	Value       uint16 `json:"value"`
	Index       uint16 `json:"index"`
}

func (s setupJSON) setup(in bool, n int) usb.Setup {
	t := map[string]uint8{"standard": usb.TypeStandard, "class": usb.TypeClass, "vendor": usb.TypeVendor}[s.RequestType]
	r := map[string]uint8{"device": usb.RecipientDevice, "interface": usb.RecipientInterface, "endpoint": usb.RecipientEndpoint, "other": 3}[s.Recipient]
	d := uint8(usb.DirOut)
	if in {
		d = usb.DirIn
	}
	return usb.Setup{RequestType: d | t | r, Request: s.Request, Value: s.Value, Index: s.Index, Length: uint16(n)}
}

// serve answers one page's WebSocket; requests run concurrently (a serial
// read waits while the page writes).
func (b *bridge) serve(ws *websocket.Conn) {
	var wmu sync.Mutex
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		var m message
		if err := websocket.JSON.Receive(ws, &m); err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := b.handle(m)
			out := message{ID: m.ID}
			if err != nil {
				out.Error = domName(err) + ": " + err.Error()
			} else if out.Result, err = json.Marshal(res); err != nil {
				out.Error = "OperationError: " + err.Error()
			}
			wmu.Lock()
			defer wmu.Unlock()
			websocket.JSON.Send(ws, out) //nolint:errcheck // the page went away
		}()
	}
}

// domName is the DOMException name a browser gives err.
func domName(err error) string {
	switch {
	case errors.Is(err, usb.ErrGone):
		return "NotFoundError"
	case errors.Is(err, usb.ErrBusy):
		return "InvalidStateError"
	}
	return "NetworkError"
}

type deviceJSON struct {
	Handle         string   `json:"handle"`
	VendorID       uint16   `json:"vendorId"`
	ProductID      uint16   `json:"productId"`
	SerialNumber   string   `json:"serialNumber"`
	ProductName    string   `json:"productName"`
	Manufacturer   string   `json:"manufacturerName"`
	Serial         bool     `json:"serial"` // it has a CDC-ACM port
	Configurations []uint8  `json:"configurations"`
	Interfaces     []string `json:"interfaces"`
}

func handle(d usb.DeviceInfo) string { return fmt.Sprintf("%s@%d", d.Path, d.Address) }

func (b *bridge) list() ([]deviceJSON, error) {
	devs, err := b.world.Devices(context.Background())
	if err != nil {
		return nil, err
	}
	out := []deviceJSON{}
	for _, d := range devs {
		ds := d.Descriptors
		j := deviceJSON{Handle: handle(d), VendorID: ds.Device.Vendor, ProductID: ds.Device.Product, SerialNumber: ds.Serial(),
			ProductName: ds.ProductName(), Manufacturer: ds.Manufacturer(), Configurations: []uint8{1}}
		_, j.Serial = enter.FindACM(ds)
		out = append(out, j)
	}
	return out, nil
}

func (b *bridge) open(h string) (usb.Device, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d, ok := b.devs[h]; ok {
		return d, nil
	}
	devs, err := b.world.Devices(context.Background())
	if err != nil {
		return nil, err
	}
	for _, info := range devs {
		if handle(info) == h {
			d, err := b.world.Open(context.Background(), info)
			if err != nil {
				return nil, err
			}
			b.devs[h] = d
			return d, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", h, usb.ErrGone)
}

// present fails with ErrGone when the device h names left the bus (it
// re-enumerated: its address changed).
func (b *bridge) present(h string) (usb.Device, error) {
	d, err := b.open(h)
	if err != nil {
		return nil, err
	}
	devs, _ := b.world.Devices(context.Background())
	for _, info := range devs {
		if handle(info) == h {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", h, usb.ErrGone)
}

func (b *bridge) log(s string) {
	b.mu.Lock()
	b.requests = append(b.requests, s)
	b.mu.Unlock()
}

// count returns how many logged requests start with prefix.
func (b *bridge) count(prefix string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, r := range b.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

type transferJSON struct {
	Status       string `json:"status"`
	Data         []byte `json:"data,omitempty"`
	BytesWritten int    `json:"bytesWritten"`
}

func (b *bridge) handle(m message) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	switch m.Op {
	case "list":
		return b.list()
	case "open":
		_, err := b.present(m.Dev)
		return nil, err
	case "close":
		b.mu.Lock()
		delete(b.devs, m.Dev)
		b.mu.Unlock()
		return nil, nil
	case "claim", "release":
		d, err := b.present(m.Dev)
		if err != nil || m.Op == "release" {
			return nil, err
		}
		return nil, d.Claim(ctx, uint8(m.N))
	case "alt":
		d, err := b.present(m.Dev)
		if err != nil {
			return nil, err
		}
		return nil, d.SetAlternate(ctx, uint8(m.N), uint8(m.Alt))
	case "controlIn", "controlOut":
		return b.control(ctx, m)
	case "serialOpen", "serialClose", "serialWrite", "serialRead", "serialSignals":
		return b.serial(ctx, m)
	}
	return nil, fmt.Errorf("unknown op %q", m.Op)
}

func (b *bridge) control(ctx context.Context, m message) (any, error) {
	d, err := b.present(m.Dev)
	if err != nil {
		return nil, err
	}
	if m.Setup == nil {
		return nil, errors.New("no setup")
	}
	in := m.Op == "controlIn"
	n := m.Length
	buf := make([]byte, n)
	if !in {
		n, buf = len(m.Data), m.Data
	}
	s := m.Setup.setup(in, n)
	b.log(fmt.Sprintf("%s %s", m.Op, s))
	if !in && s.Type() == usb.TypeClass && s.Request == 1 { // DFU_DNLOAD
		switch {
		case s.Value >= 2:
			b.log("dfu-write")
		case len(buf) > 0 && buf[0] == 0x41:
			b.log("dfu-erase")
		}
	}
	got, err := d.Control(ctx, s, buf)
	if errors.Is(err, usb.ErrStall) {
		return transferJSON{Status: "stall"}, nil
	}
	if err != nil {
		return nil, err
	}
	if in {
		return transferJSON{Status: "ok", Data: buf[:got]}, nil
	}
	return transferJSON{Status: "ok", BytesWritten: got}, nil
}

// serial runs a Web Serial call on the board's CDC-ACM function, as the
// operating system's driver would: opening sets the line coding and
// raises DTR and RTS, closing drops them.
func (b *bridge) serial(ctx context.Context, m message) (any, error) {
	b.mu.Lock()
	p := b.ports[m.Dev]
	b.mu.Unlock()
	if m.Op == "serialOpen" {
		d, err := b.present(m.Dev)
		if err != nil {
			return nil, err
		}
		if p == nil {
			if p, err = enter.OpenACM(ctx, d); err != nil {
				return nil, err
			}
		}
		b.mu.Lock()
		b.ports[m.Dev] = p
		b.mu.Unlock()
		b.log(fmt.Sprintf("serialOpen %d", m.Baud))
		if err := p.SetLineCoding(ctx, uint32(m.Baud)); err != nil {
			return nil, err
		}
		return nil, p.SetControlLines(ctx, true, true)
	}
	if p == nil {
		return nil, fmt.Errorf("serial port %s is not open: %w", m.Dev, usb.ErrBusy)
	}
	switch m.Op {
	case "serialClose":
		b.mu.Lock()
		delete(b.ports, m.Dev)
		b.mu.Unlock()
		p.SetControlLines(ctx, false, false) //nolint:errcheck // a board that reset has gone
		return nil, nil
	case "serialWrite":
		return nil, p.Write(ctx, m.Data)
	case "serialSignals":
		b.log(fmt.Sprintf("serialSignals dtr=%v rts=%v", m.DTR, m.RTS))
		return nil, p.SetControlLines(ctx, m.DTR, m.RTS)
	}
	// serialRead: wait a little for output; empty means "nothing yet".
	rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	buf := make([]byte, 512)
	n, err := p.Read(rctx, buf)
	if err != nil && rctx.Err() == nil {
		return nil, err
	}
	return map[string][]byte{"data": buf[:n]}, nil
}
