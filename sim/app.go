package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sort"
	"sync"

	"github.com/softdfu/softdfu/usb"
)

// PersonaMarker starts the marker an application image carries to tell
// the simulator which application persona runs it: the marker, then the
// persona name, then a NUL. Images without it run as a generic application
// with no USB, which is what a host sees of most real firmware.
const PersonaMarker = "SOFTDFU-PERSONA:"

// personaSearch is how far into an image the simulator looks for the marker.
const personaSearch = 64 << 10

// persona describes what an application persona shows on USB.
type persona struct {
	vendor, product uint16
	manufacturer    string
	productName     string
	// cdc gives the persona a CDC-ACM interface pair (a REPL or serial port).
	cdc bool
	// runtime gives it a DFU run-time interface (class FE/01/01).
	runtime bool
}

// personas lists the application personas. IDs: Adafruit's VID with
// CircuitPython's Feather STM32F405 PID, MicroPython's STM32 VID:PID, ST's
// VID:PID for DFU run-time devices. UNVERIFIED: PIDs per board.
var personas = map[string]persona{
	"circuitpython": {vendor: 0x239A, product: 0x8031, manufacturer: "Adafruit Industries LLC", productName: "CircuitPython board", cdc: true},
	"micropython":   {vendor: 0xF055, product: 0x9800, manufacturer: "MicroPython", productName: "Pyboard Virtual Comm Port in FS Mode", cdc: true},
	"runtime":       {vendor: 0x0483, product: 0xDF12, manufacturer: "softdfu", productName: "DFU run-time application", runtime: true},
	"arduino":       {vendor: 0x0483, product: 0x5740, manufacturer: "STMicroelectronics", productName: "Arduino STM32 serial", cdc: true},
	"blinky":        {},
}

// PersonaNames lists the application personas, sorted.
func PersonaNames() []string {
	var n []string
	for k := range personas {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func knownPersona(name string) bool { _, ok := personas[name]; return ok }

// findPersona returns the persona named by the marker in flash from off on.
func findPersona(flash []byte, off uint32) string {
	if int(off) >= len(flash) {
		return ""
	}
	area := flash[off:min(len(flash), int(off)+personaSearch)]
	i := bytes.Index(area, []byte(PersonaMarker))
	if i < 0 {
		return ""
	}
	name := area[i+len(PersonaMarker):]
	if j := bytes.IndexByte(name, 0); j >= 0 {
		name = name[:j]
	}
	if !knownPersona(string(name)) {
		return ""
	}
	return string(name)
}

// AppImage returns a deterministic application image for a part: a valid
// vector table (initial stack at the end of SRAM, Thumb reset vector in
// flash), the marker of the given persona (none for ""), and filler up to
// size bytes. It is the factory firmware of simulated boards and the sample
// image of softdfu demo.
func AppImage(p *Part, personaName string, size int) []byte {
	if size < 1024 {
		size = 1024
	}
	img := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(len(personaName)), uint64(size)))
	for i := range img {
		img[i] = byte(rng.Uint32())
	}
	binary.LittleEndian.PutUint32(img[0:], uint32(p.SRAM.End()))
	handler := p.FlashBase + 0x200 + 1
	for v := 1; v < 16; v++ {
		binary.LittleEndian.PutUint32(img[4*v:], handler)
	}
	if personaName != "" && personaName != "blinky" {
		copy(img[0x100:], append([]byte(PersonaMarker+personaName), 0))
	}
	return img
}

// app is an application persona enumerated on USB.
type app struct {
	b        *Board
	name     string
	desc     *usb.Descriptors
	gone     chan struct{}
	goneOnce sync.Once
	config   uint8
	alt      map[uint8]uint8
}

// newApp returns the USB device of an application persona, or nil for an
// application without USB.
func newApp(b *Board, name string) usb.Gadget {
	p, ok := personas[name]
	if !ok || p.vendor == 0 {
		return nil
	}
	a := &app{b: b, name: name, gone: make(chan struct{}), alt: map[uint8]uint8{}}
	a.desc = &usb.Descriptors{
		Device: usb.DeviceDescriptor{
			USB: 0x0200, Class: 0xEF, SubClass: 0x02, Protocol: 0x01, MaxPacketSize0: 64,
			Vendor: p.vendor, Product: p.product, Device: 0x0100,
			ManufacturerIndex: 1, ProductIndex: 2, SerialIndex: 3, NumConfigurations: 1,
		},
		Strings: map[uint8]string{1: p.manufacturer, 2: p.productName, 3: UIDSerial(b.uid)},
	}
	cfg := usb.ConfigDescriptor{Value: 1, Attributes: 0x80, MaxPower: 250}
	if p.cdc {
		cfg.Extra = append(cfg.Extra, []byte{8, usb.DescInterfaceAssoc, 0, 2, 0x02, 0x02, 0x00, 4})
		a.desc.Strings[4] = "CDC control"
		cfg.Interfaces = append(cfg.Interfaces,
			usb.InterfaceDescriptor{Number: 0, Class: 0x02, SubClass: 0x02, StringIndex: 4,
				Extra: [][]byte{
					{5, usb.DescCSInterface, 0x00, 0x10, 0x01}, // header, CDC 1.10
					{5, usb.DescCSInterface, 0x01, 0x00, 0x01}, // call management
					{4, usb.DescCSInterface, 0x02, 0x02},       // ACM: line coding
					{5, usb.DescCSInterface, 0x06, 0x00, 0x01}, // union 0 -> 1
				},
				Endpoints: []usb.EndpointDescriptor{{Address: 0x83, Attributes: usb.TransferInterrupt, MaxPacketSize: 64, Interval: 16}}},
			usb.InterfaceDescriptor{Number: 1, Class: 0x0A,
				Endpoints: []usb.EndpointDescriptor{
					{Address: 0x02, Attributes: usb.TransferBulk, MaxPacketSize: 64},
					{Address: 0x82, Attributes: usb.TransferBulk, MaxPacketSize: 64},
				}})
	}
	if p.runtime {
		n := uint8(cfg.NumInterfaces())
		a.desc.Strings[5] = "@DFU run-time"
		cfg.Interfaces = append(cfg.Interfaces, usb.InterfaceDescriptor{
			Number: n, Class: 0xFE, SubClass: 0x01, Protocol: 0x01, StringIndex: 5,
			// bitWillDetach | canDnload | canUpload; wDetachTimeOut 1000 ms
			Extra: [][]byte{{9, usb.DescDFUFunctional, 0x0B, 0xE8, 0x03, 0x00, 0x08, 0x1A, 0x01}},
		})
	}
	if len(cfg.Interfaces) == 0 {
		return nil
	}
	a.desc.Configs = []usb.ConfigDescriptor{cfg}
	return a
}

func (a *app) Descriptors() *usb.Descriptors { return a.desc }
func (a *app) Gone() <-chan struct{}         { return a.gone }
func (a *app) detach()                       { a.goneOnce.Do(func() { close(a.gone) }) }

func (a *app) Control(ctx context.Context, s usb.Setup, out []byte) ([]byte, error) {
	select {
	case <-a.gone:
		return nil, usb.ErrGone
	default:
	}
	_ = a.b.clock.Sleep(ctx, a.b.usb.Cost(len(out)+int(s.Length)))
	if s.Type() != usb.TypeStandard {
		// Class requests (CDC line coding, DFU DETACH) come with the
		// software-entry personas; until then they are accepted and ignored.
		if s.In() {
			return make([]byte, s.Length), nil
		}
		return nil, nil
	}
	switch s.Request {
	case usb.ReqGetDescriptor:
		if b, ok := a.desc.Answer(s); ok {
			return b, nil
		}
	case usb.ReqSetAddress:
		return nil, nil
	case usb.ReqSetConfiguration:
		a.config = uint8(s.Value)
		return nil, nil
	case usb.ReqGetConfiguration:
		return []byte{a.config}, nil
	case usb.ReqGetStatus:
		return []byte{0, 0}, nil
	case usb.ReqSetInterface:
		a.alt[uint8(s.Index)] = uint8(s.Value)
		return nil, nil
	case usb.ReqGetInterface:
		return []byte{a.alt[uint8(s.Index)]}, nil
	case usb.ReqClearFeature:
		return nil, nil
	}
	return nil, usb.ErrStall
}

// Transfer implements usb.Gadget. Until the personas gain their REPLs, OUT
// data is accepted and IN transfers wait for data that never comes, as on
// a serial port nobody writes to.
func (a *app) Transfer(ctx context.Context, ep uint8, out []byte, max int) ([]byte, error) {
	if ep&0x80 == 0 {
		select {
		case <-a.gone:
			return nil, usb.ErrGone
		default:
			return nil, nil
		}
	}
	select {
	case <-a.gone:
		return nil, usb.ErrGone
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
