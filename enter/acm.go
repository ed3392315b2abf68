package enter

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// CDC PSTN class requests (CDC PSTN 1.2 section 6.3).
const (
	reqSetLineCoding       = 0x20
	reqGetLineCoding       = 0x21
	reqSetControlLineState = 0x22
)

// Port is a serial connection to a board's CDC-ACM function: ACM over USB
// transfers, or the kernel's tty.
type Port interface {
	// Write sends bytes to the board.
	Write(ctx context.Context, b []byte) error
	// Read receives what the board has sent, waiting until there is
	// something or ctx ends.
	Read(ctx context.Context, b []byte) (int, error)
	// SetLineCoding sets the baud rate (8N1).
	SetLineCoding(ctx context.Context, baud uint32) error
	// SetControlLines sets DTR and RTS.
	SetControlLines(ctx context.Context, dtr, rts bool) error
	// Close releases the port (not the device).
	Close() error
}

// ACMInterfaces are the interfaces and endpoints of a CDC-ACM function.
type ACMInterfaces struct {
	Control, Data uint8 // interface numbers
	In, Out       uint8 // bulk endpoints of the data interface
	MaxPacket     int   // of the bulk IN endpoint
}

// FindACM finds the first CDC-ACM function of d: a communications interface
// (class 02, subclass 02) and a data interface (class 0A) with a bulk IN
// and a bulk OUT endpoint.
func FindACM(d usb.Descriptors) (ACMInterfaces, bool) {
	for _, c := range d.Configs {
		var a ACMInterfaces
		comm, data := false, false
		for _, i := range c.Interfaces {
			switch {
			case i.Class == 0x02 && i.SubClass == 0x02 && !comm:
				a.Control, comm = i.Number, true
			case i.Class == 0x0A && !data:
				for _, e := range i.Endpoints {
					if e.Attributes&3 != usb.TransferBulk {
						continue
					}
					if e.Address&0x80 != 0 {
						a.In, a.MaxPacket = e.Address, int(e.MaxPacketSize)
					} else {
						a.Out = e.Address
					}
				}
				if a.In != 0 && a.Out != 0 {
					a.Data, data = i.Number, true
				}
			}
		}
		if comm && data {
			if a.MaxPacket <= 0 {
				a.MaxPacket = 64
			}
			return a, true
		}
	}
	return ACMInterfaces{}, false
}

// ACM is a CDC-ACM host over an opened usb.Device: class requests on the
// control interface, data on the bulk endpoints. It works wherever the
// device does: in-process, over USB/IP, over usbfs.
type ACM struct {
	dev usb.Device
	itf ACMInterfaces
}

// OpenACM claims the CDC-ACM interfaces of dev.
func OpenACM(ctx context.Context, dev usb.Device) (*ACM, error) {
	d := dev.Info().Descriptors
	itf, ok := FindACM(d)
	if !ok {
		return nil, fmt.Errorf("enter: %s has no CDC-ACM interface", dev.Info())
	}
	for _, n := range []uint8{itf.Control, itf.Data} {
		if err := dev.Claim(ctx, n); err != nil {
			return nil, fmt.Errorf("enter: claiming interface %d of %s: %w", n, dev.Info(), err)
		}
	}
	return &ACM{dev: dev, itf: itf}, nil
}

// Write implements Port.
func (a *ACM) Write(ctx context.Context, b []byte) error {
	for len(b) > 0 {
		n := min(len(b), a.itf.MaxPacket)
		if _, err := a.dev.Transfer(ctx, a.itf.Out, b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// Read implements Port.
func (a *ACM) Read(ctx context.Context, b []byte) (int, error) {
	return a.dev.Transfer(ctx, a.itf.In, b)
}

// SetLineCoding implements Port: SET_LINE_CODING, 8 data bits, no
// parity, 1 stop bit.
func (a *ACM) SetLineCoding(ctx context.Context, baud uint32) error {
	lc := make([]byte, 7)
	binary.LittleEndian.PutUint32(lc, baud)
	lc[6] = 8
	_, err := a.dev.Control(ctx, usb.ClassInterfaceOut(reqSetLineCoding, 0, uint16(a.itf.Control), 7), lc)
	return err
}

// LineCoding reads the baud rate back (GET_LINE_CODING).
func (a *ACM) LineCoding(ctx context.Context) (uint32, error) {
	lc := make([]byte, 7)
	n, err := a.dev.Control(ctx, usb.ClassInterfaceIn(reqGetLineCoding, 0, uint16(a.itf.Control), 7), lc)
	if err != nil {
		return 0, err
	}
	if n != 7 {
		return 0, fmt.Errorf("enter: GET_LINE_CODING returned %d bytes, want 7", n)
	}
	return binary.LittleEndian.Uint32(lc), nil
}

// SetControlLines implements Port: SET_CONTROL_LINE_STATE.
func (a *ACM) SetControlLines(ctx context.Context, dtr, rts bool) error {
	var v uint16
	if dtr {
		v |= 1
	}
	if rts {
		v |= 2
	}
	_, err := a.dev.Control(ctx, usb.ClassInterfaceOut(reqSetControlLineState, v, uint16(a.itf.Control), 0), nil)
	return err
}

// Close implements Port; the device stays open.
func (a *ACM) Close() error { return nil }

// conversation reads a Port until expected text arrives.
type conversation struct {
	port Port
	buf  []byte
	// wait bounds each wait for expected text (wall time: the port's data
	// comes from a device, not from the host's clock).
	wait  time.Duration
	quiet time.Duration
	log   func(string)
}

// errQuiet: nothing arrived in time.
var errQuiet = errors.New("no answer")

func (c *conversation) send(ctx context.Context, s string) error {
	if c.log != nil {
		c.log(fmt.Sprintf("> %q", s))
	}
	return c.port.Write(ctx, []byte(s))
}

// expect reads until one of texts arrives and returns what came up to and
// including it, and which text it was.
func (c *conversation) expect(ctx context.Context, texts ...string) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.wait)
	defer cancel()
	tmp := make([]byte, 512)
	for {
		best, which := -1, -1
		for i, t := range texts {
			if j := bytes.Index(c.buf, []byte(t)); j >= 0 && (best < 0 || j+len(t) < best) {
				best, which = j+len(t), i
			}
		}
		if which >= 0 {
			got := string(c.buf[:best])
			c.buf = c.buf[best:]
			if c.log != nil {
				c.log(fmt.Sprintf("< %q", got))
			}
			return got, which, nil
		}
		n, err := c.port.Read(ctx, tmp)
		c.buf = append(c.buf, tmp[:n]...)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) || errors.Is(err, usb.ErrTimeout) {
				return string(c.buf), -1, fmt.Errorf("%w within %v waiting for %q (got %q)", errQuiet, c.wait, texts, tail(c.buf))
			}
			return string(c.buf), -1, err
		}
	}
}

// drain reads and drops whatever arrives until the port is quiet.
func (c *conversation) drain(ctx context.Context) error {
	d := c.quiet
	tmp := make([]byte, 512)
	for {
		rctx, cancel := context.WithTimeout(ctx, d)
		n, err := c.port.Read(rctx, tmp)
		cancel()
		c.buf = append(c.buf, tmp[:n]...)
		if err != nil {
			if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, usb.ErrTimeout)) {
				if c.log != nil && len(c.buf) > 0 {
					c.log(fmt.Sprintf("< %q", c.buf))
				}
				c.buf = nil
				return nil
			}
			return err
		}
	}
}

func tail(b []byte) []byte {
	if len(b) > 80 {
		return b[len(b)-80:]
	}
	return b
}
