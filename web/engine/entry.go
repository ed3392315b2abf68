//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"syscall/js"

	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/enter/webserial"
)

type entryJSON struct {
	Method string `json:"method"`
	// Serial is the serial number the ROM bootloader will show, when the
	// application's tells it.
	Serial string   `json:"serial,omitempty"`
	Log    []string `json:"log"`
}

// detach() sends DFU_DETACH to the board's DFU run-time interface. The
// board then shows its ROM bootloader, a new device the page must ask the
// user for.
func (e *engine) detach(ctx context.Context, _ []js.Value) (any, error) {
	info, err := e.current(ctx)
	if err != nil {
		return nil, err
	}
	out := entryJSON{Method: string(enter.Detach), Log: []string{}}
	out.Serial, _ = enter.PredictROMSerial(info.Descriptors.Serial())
	opts := enter.Options{Log: func(s string) { out.Log = append(out.Log, s) }}
	if err := enter.Request(ctx, e.host, info, enter.Detach, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// enterSerial(SerialPort) asks the firmware behind a serial port the page
// was granted for the ROM bootloader: the CircuitPython REPL, MicroPython's
// raw REPL, or the 1200-baud touch, as package enter does for the CLI.
func (e *engine) enterSerial(ctx context.Context, args []js.Value) (any, error) {
	port := arg(args, 0)
	if port.Type() != js.TypeObject {
		return nil, fmt.Errorf("no serial port: pick the board's port first")
	}
	vid := port.Call("getInfo").Get("usbVendorId")
	m := enter.Touch1200
	if vid.Type() == js.TypeNumber {
		switch vid.Int() {
		case enter.VendorAdafruit:
			m = enter.REPL
		case enter.VendorMicroPython:
			m = enter.RawREPL
		}
	}
	out := entryJSON{Method: string(m), Log: []string{}}
	p, err := webserial.Open(ctx, port, 115200)
	if err != nil {
		return nil, err
	}
	opts := enter.Options{Log: func(s string) { out.Log = append(out.Log, s) }}
	err = enter.RequestPort(ctx, p, m, opts)
	p.Close()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m, err)
	}
	return out, nil
}
