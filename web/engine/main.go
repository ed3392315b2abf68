//go:build js && wasm

// Command engine is softdfu's engine for a web page, built with GOOS=js
// GOARCH=wasm: the firmware readers, the plan, DfuSe, verify and leave of
// the CLI (packages fwfile, update, enter), talking to the board over
// WebUSB and Web Serial. It sets a global softdfu object whose methods
// return promises; web/static/app.js is its page.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"syscall/js"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/webusb"
)

// engine is the state the page works on: one image, one board.
type engine struct {
	mu    sync.Mutex // one job at a time
	host  *webusb.Host
	img   *firmware.Image
	board *usb.DeviceInfo
}

func main() {
	e := &engine{}
	api := map[string]any{
		"version":       version(),
		"usbFilters":    toJS(usbFilters()),
		"serialFilters": toJS(serialFilters()),
		"inspect":       e.method(e.inspect),
		"board":         e.method(e.selectBoard),
		"plan":          e.method(e.plan),
		"flash":         e.method(e.flash),
		"detach":        e.method(e.detach),
		"enterSerial":   e.method(e.enterSerial),
	}
	js.Global().Set("softdfu", api)
	if ready := js.Global().Get("softdfuReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// method wraps a job as a JavaScript function that returns a promise. The
// job runs on its own goroutine (never in the JavaScript callback), one at
// a time; its result reaches JavaScript through JSON, its error as an
// object {message, kind}.
func (e *engine) method(job func(ctx context.Context, args []js.Value) (any, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) any {
		args = append([]js.Value(nil), args...)
		executor := js.FuncOf(func(_ js.Value, pa []js.Value) any {
			resolve, reject := pa[0], pa[1]
			go func() {
				e.mu.Lock()
				defer e.mu.Unlock()
				v, err := job(context.Background(), args)
				if err != nil {
					reject.Invoke(toJS(describeError(err)))
					return
				}
				resolve.Invoke(toJS(v))
			}()
			return nil
		})
		defer executor.Release()
		return js.Global().Get("Promise").New(executor)
	})
}

// toJS turns v into a JavaScript value through JSON.
func toJS(v any) js.Value {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"message": err.Error(), "kind": "internal"})
	}
	return js.Global().Get("JSON").Call("parse", string(b))
}

func (e *engine) webUSB() (*webusb.Host, error) {
	if e.host == nil {
		h, err := webusb.New()
		if err != nil {
			return nil, err
		}
		e.host = h
	}
	return e.host, nil
}

// arg returns args[i] or undefined.
func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

// bytesOf copies a Uint8Array into Go.
func bytesOf(v js.Value) ([]byte, error) {
	if v.Type() != js.TypeObject || v.Get("length").IsUndefined() {
		return nil, errors.New("expected the file's bytes as a Uint8Array")
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b, nil
}

// hex formats an address.
func hex(a uint32) string { return fmt.Sprintf("0x%08X", a) }
