//go:build js && wasm

package webserial

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/softdfu/softdfu/usb/webusb"
)

// Port is an open SerialPort.
type Port struct {
	port           js.Value
	reader, writer js.Value
	data           chan []byte
	pending        []byte
	ended          chan struct{}
}

// Open opens a SerialPort the page obtained (navigator.serial.requestPort)
// at baud, 8N1.
func Open(ctx context.Context, port js.Value, baud int) (*Port, error) {
	p := &Port{port: port}
	if err := p.open(ctx, baud); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Port) open(ctx context.Context, baud int) error {
	if _, err := webusb.Await(ctx, p.port.Call("open", map[string]any{"baudRate": baud})); err != nil {
		return fmt.Errorf("opening the serial port at %d baud: %w (is another program or tab using it?)", baud, err)
	}
	p.reader = p.port.Get("readable").Call("getReader")
	p.writer = p.port.Get("writable").Call("getWriter")
	p.data = make(chan []byte, 64)
	p.ended = make(chan struct{})
	go p.pump(p.reader, p.data, p.ended)
	return nil
}

// pump moves what the board sends into data until the stream ends.
func (p *Port) pump(reader js.Value, data chan<- []byte, ended chan<- struct{}) {
	defer close(ended)
	for {
		r, err := webusb.Await(context.Background(), reader.Call("read"))
		if err != nil || r.Get("done").Bool() {
			return
		}
		v := r.Get("value")
		b := make([]byte, v.Get("length").Int())
		js.CopyBytesToGo(b, v)
		data <- b
	}
}

// Write sends b to the board.
func (p *Port) Write(ctx context.Context, b []byte) error {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	_, err := webusb.Await(ctx, p.writer.Call("write", a))
	return err
}

// Read returns what the board sent, waiting until there is something or
// ctx ends.
func (p *Port) Read(ctx context.Context, b []byte) (int, error) {
	if len(p.pending) == 0 {
		select {
		case p.pending = <-p.data:
		case <-p.ended:
			return 0, errors.New("the serial port closed")
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	n := copy(b, p.pending)
	p.pending = p.pending[n:]
	return n, nil
}

// SetLineCoding reopens the port at baud: Web Serial sets the rate only
// when it opens a port.
func (p *Port) SetLineCoding(ctx context.Context, baud uint32) error {
	if err := p.shut(ctx); err != nil {
		return err
	}
	return p.open(ctx, int(baud))
}

// SetControlLines sets DTR and RTS.
func (p *Port) SetControlLines(ctx context.Context, dtr, rts bool) error {
	_, err := webusb.Await(ctx, p.port.Call("setSignals", map[string]any{"dataTerminalReady": dtr, "requestToSend": rts}))
	return err
}

// Close closes the port.
func (p *Port) Close() error { return p.shut(context.Background()) }

func (p *Port) shut(ctx context.Context) error {
	if p.reader.IsUndefined() {
		return nil
	}
	webusb.Await(ctx, p.reader.Call("cancel")) //nolint:errcheck // the board may have left
	<-p.ended
	p.reader.Call("releaseLock")
	p.writer.Call("releaseLock")
	p.reader, p.writer = js.Undefined(), js.Undefined()
	// A board that reset has closed its port already: only an ended
	// context is an error here.
	webusb.Await(ctx, p.port.Call("close")) //nolint:errcheck
	return ctx.Err()
}
