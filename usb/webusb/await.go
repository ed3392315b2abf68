//go:build js && wasm

package webusb

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/softdfu/softdfu/usb"
)

// Await waits for a JavaScript promise on this goroutine: the Go runtime
// goes back to the event loop while it waits. A rejection becomes an error
// (see Error); an ended ctx returns ctx.Err() and leaves the promise to
// settle alone.
func Await(ctx context.Context, p js.Value) (js.Value, error) { return await(ctx, p) }

func await(ctx context.Context, p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{v: v}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := js.Undefined()
		if len(args) > 0 {
			v = args[0]
		}
		ch <- result{err: Error(v)}
		return nil
	})
	p.Call("then", then, catch)
	release := func(r result) (js.Value, error) {
		then.Release()
		catch.Release()
		return r.v, r.err
	}
	select {
	case r := <-ch:
		return release(r)
	case <-ctx.Done():
		go func() { release(<-ch) }()
		return js.Value{}, ctx.Err()
	}
}

// Error turns a JavaScript exception (a DOMException from WebUSB or Web
// Serial) into an error that wraps the usb package's sentinels:
// NotFoundError and NetworkError (the device left or the transfer failed
// with it) are usb.ErrGone, SecurityError is usb.ErrPermission,
// InvalidStateError on claim (another program holds it) is usb.ErrBusy.
func Error(v js.Value) error {
	if v.IsUndefined() || v.IsNull() {
		return errors.New("javascript error")
	}
	if v.Type() != js.TypeObject {
		return fmt.Errorf("javascript: %s", v.String())
	}
	name, msg := v.Get("name").String(), v.Get("message").String()
	var sentinel error
	switch name {
	case "NotFoundError", "NetworkError":
		sentinel = usb.ErrGone
	case "SecurityError", "NotAllowedError":
		sentinel = usb.ErrPermission
	case "InvalidStateError":
		sentinel = usb.ErrBusy
	}
	if sentinel != nil {
		return &JSError{Name: name, Message: msg, Err: sentinel}
	}
	return &JSError{Name: name, Message: msg}
}

// JSError is an exception a browser API threw.
type JSError struct {
	Name, Message string
	Err           error // a usb sentinel, or nil
}

// Error returns "Name: Message".
func (e *JSError) Error() string { return e.Name + ": " + e.Message }

// Unwrap returns the usb sentinel the exception stands for.
func (e *JSError) Unwrap() error { return e.Err }
