package sim

import (
	"context"
	"encoding/binary"
	"sync"

	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
	"github.com/softdfu/softdfu/usb"
)

// CDC PSTN class requests (CDC PSTN 1.2 section 6.3) and DFU run-time
// requests (DFU 1.1 section 5.1) an application persona answers.
const (
	cdcSetLineCoding       = 0x20
	cdcGetLineCoding       = 0x21
	cdcSetControlLineState = 0x22
	cdcSendBreak           = 0x23

	dfuDetach    = 0x00
	dfuGetStatus = 0x03
	dfuGetState  = 0x05

	// Endpoints of the CDC data interface.
	epDataOut = 0x02
	epDataIn  = 0x82
)

// action is firmware code a persona runs on its board's chip after it
// answered the host (a reset into the bootloader, a sleep).
type action func(fw *stm32f4.Device, c *mcu.Chip)

// enterBootloader is the reliable entry every persona uses: store the
// request, system reset; EarlyStartup then enters the ROM and retries when
// the ROM misses the crystal.
func enterBootloader(fw *stm32f4.Device, _ *mcu.Chip) {
	_ = fw.OnNextReset(stm32f4.Bootloader)
	fw.Reset()
}

// enterDirect is the seed's direct jump from the running application.
func enterDirect(fw *stm32f4.Device, _ *mcu.Chip) { fw.JumpToBootloaderDirect() }

// console is what runs behind a persona's CDC data endpoints: a REPL or a
// sketch's serial port. input gets the host's bytes and returns the bytes
// to send back and firmware actions to run afterwards, in order.
type console interface {
	// start is what the firmware prints at boot.
	start() []byte
	input(b []byte) (out []byte, acts []action)
}

// app is an application persona enumerated on USB.
type app struct {
	b        *Board
	name     string
	p        persona
	desc     *usb.Descriptors
	gone     chan struct{}
	goneOnce sync.Once
	dfuIface uint8

	mu     sync.Mutex
	config uint8
	alt    map[uint8]uint8
	coding [7]byte // CDC line coding: dwDTERate, bCharFormat, bParityType, bDataBits
	lines  uint16  // CDC control line state: bit 0 DTR, bit 1 RTS
	con    console
	out    []byte        // bulk IN data not yet read
	more   chan struct{} // closed when out grows
}

// newApp returns the USB device of an application persona, or nil for an
// application without USB.
func newApp(b *Board, name string) usb.Gadget {
	p, ok := personas[name]
	if !ok || p.vendor == 0 {
		return nil
	}
	if id, ok := b.model.Builds[name]; ok {
		p.vendor, p.product, p.manufacturer, p.productName = id.Vendor, id.Product, id.Manufacturer, id.ProductName
	}
	a := &app{b: b, name: name, p: p, gone: make(chan struct{}), alt: map[uint8]uint8{}, more: make(chan struct{})}
	binary.LittleEndian.PutUint32(a.coding[:], 115200)
	a.coding[6] = 8
	if p.console != nil {
		a.con = p.console(b)
		a.out = a.con.start()
	}
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
					{Address: epDataOut, Attributes: usb.TransferBulk, MaxPacketSize: 64},
					{Address: epDataIn, Attributes: usb.TransferBulk, MaxPacketSize: 64},
				}})
	}
	if p.runtime {
		a.dfuIface = uint8(cfg.NumInterfaces())
		a.desc.Strings[5] = "@DFU run-time"
		cfg.Interfaces = append(cfg.Interfaces, usb.InterfaceDescriptor{
			Number: a.dfuIface, Class: 0xFE, SubClass: 0x01, Protocol: 0x01, StringIndex: 5,
			// bitWillDetach | canUpload | canDnload; wDetachTimeOut 1000 ms
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

func (a *app) configuration() uint8 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.config
}

func (a *app) Gone() <-chan struct{} { return a.gone }
func (a *app) detach()               { a.goneOnce.Do(func() { close(a.gone) }) }

func (a *app) isGone() bool {
	select {
	case <-a.gone:
		return true
	default:
		return false
	}
}

// run runs firmware actions on the board, after the answer that caused
// them (the caller has released a.mu).
func (a *app) run(acts []action) {
	for _, f := range acts {
		if !a.b.runFirmware(a, f) {
			return
		}
	}
}

// Control implements usb.Gadget.
func (a *app) Control(ctx context.Context, s usb.Setup, out []byte) ([]byte, error) {
	if a.isGone() {
		return nil, usb.ErrGone
	}
	if err := a.b.clock.Sleep(ctx, a.b.usb.Cost(len(out)+int(s.Length))); err != nil {
		return nil, err
	}
	in, acts, err := a.control(s, out)
	a.b.record(s, out, in, err)
	a.run(acts)
	if err == nil && len(in) > int(s.Length) {
		in = in[:s.Length]
	}
	return in, err
}

func (a *app) control(s usb.Setup, out []byte) ([]byte, []action, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.Type() == usb.TypeClass && s.Recipient() == usb.RecipientInterface {
		return a.classRequest(s, out)
	}
	if s.Type() != usb.TypeStandard {
		return nil, nil, usb.ErrStall
	}
	switch s.Request {
	case usb.ReqGetDescriptor:
		if b, ok := a.desc.Answer(s); ok {
			return b, nil, nil
		}
	case usb.ReqSetAddress:
		return nil, nil, nil
	case usb.ReqSetConfiguration:
		if s.Value > 1 {
			break
		}
		// A new configuration selects every interface's alternate
		// setting 0 (USB 2.0 section 9.1.1.5).
		if uint8(s.Value) != a.config {
			a.config = uint8(s.Value)
			clear(a.alt)
		}
		return nil, nil, nil
	case usb.ReqGetConfiguration:
		return []byte{a.config}, nil, nil
	case usb.ReqGetStatus:
		return []byte{0, 0}, nil, nil
	case usb.ReqSetInterface:
		// Interfaces exist only in the Configured state (USB 2.0 section
		// 9.4.10); each of this device's interfaces has one setting.
		if a.config != 0 && a.hasInterface(s.Index) && s.Value == 0 {
			a.alt[uint8(s.Index)] = uint8(s.Value)
			return nil, nil, nil
		}
	case usb.ReqGetInterface:
		if a.config != 0 && a.hasInterface(s.Index) {
			return []byte{a.alt[uint8(s.Index)]}, nil, nil
		}
	case usb.ReqClearFeature:
		return nil, nil, nil
	}
	return nil, nil, usb.ErrStall
}

// hasInterface reports whether the configuration has interface i.
func (a *app) hasInterface(i uint16) bool {
	return i < uint16(a.desc.Configs[0].NumInterfaces())
}

// classRequest answers CDC-ACM requests on interface 0 and DFU run-time
// requests on the DFU interface. Call with a.mu held.
func (a *app) classRequest(s usb.Setup, out []byte) ([]byte, []action, error) {
	iface := uint8(s.Index)
	switch {
	case a.p.cdc && iface == 0:
		switch s.Request {
		case cdcSetLineCoding:
			if s.In() || len(out) != 7 {
				return nil, nil, usb.ErrStall
			}
			copy(a.coding[:], out)
			return nil, nil, nil
		case cdcGetLineCoding:
			if !s.In() {
				return nil, nil, usb.ErrStall
			}
			return append([]byte(nil), a.coding[:]...), nil, nil
		case cdcSetControlLineState:
			a.lines = s.Value & 3
			// The 1200-baud touch, as the Arduino cores and CircuitPython
			// do it: the port at 1200 baud and DTR dropped.
			if a.p.touch1200 && a.lines&1 == 0 && binary.LittleEndian.Uint32(a.coding[:]) == 1200 {
				return nil, []action{enterBootloader}, nil
			}
			return nil, nil, nil
		case cdcSendBreak:
			return nil, nil, nil
		}
	case a.p.runtime && iface == a.dfuIface:
		switch s.Request {
		case dfuDetach:
			if s.In() {
				return nil, nil, usb.ErrStall
			}
			// bitWillDetach: the device detaches and re-enumerates by
			// itself; the firmware asks for the ROM and resets.
			return nil, []action{enterBootloader}, nil
		case dfuGetStatus:
			return []byte{0, 0, 0, 0, 0, 0}, nil, nil // OK, appIDLE
		case dfuGetState:
			return []byte{0}, nil, nil // appIDLE
		}
	}
	return nil, nil, usb.ErrStall
}

// Transfer implements usb.Gadget: the host's bytes on the bulk OUT
// endpoint go to the console; the bulk IN endpoint returns what the
// console wrote, waiting until there is something.
func (a *app) Transfer(ctx context.Context, ep uint8, out []byte, max int) ([]byte, error) {
	if a.isGone() {
		return nil, usb.ErrGone
	}
	switch {
	case ep == epDataOut && a.p.cdc:
		_ = a.b.clock.Sleep(ctx, a.b.usb.Cost(len(out)))
		a.mu.Lock()
		var acts []action
		if a.con != nil {
			var o []byte
			o, acts = a.con.input(out)
			a.write(o)
		}
		a.mu.Unlock()
		a.run(acts)
		return nil, nil
	case ep == epDataIn && a.p.cdc:
		for {
			a.mu.Lock()
			if len(a.out) > 0 {
				n := min(len(a.out), max)
				b := append([]byte(nil), a.out[:n]...)
				a.out = a.out[n:]
				a.mu.Unlock()
				_ = a.b.clock.Sleep(ctx, a.b.usb.Cost(n))
				return b, nil
			}
			more := a.more
			a.mu.Unlock()
			select {
			case <-more:
			case <-a.gone:
				return nil, usb.ErrGone
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	case ep == 0x83 && a.p.cdc:
		// Serial-state notifications: none are sent.
		select {
		case <-a.gone:
			return nil, usb.ErrGone
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, usb.ErrStall
}

// write queues bytes for the bulk IN endpoint. Call with a.mu held.
func (a *app) write(b []byte) {
	if len(b) == 0 {
		return
	}
	a.out = append(a.out, b...)
	close(a.more)
	a.more = make(chan struct{})
}
