//go:build js && wasm

package webusb

import (
	"context"
	"fmt"
	"syscall/js"

	"github.com/softdfu/softdfu/usb"
)

// Device is an opened USBDevice.
type Device struct {
	dev     js.Value
	info    usb.DeviceInfo
	claimed []uint8
}

// Info describes the device as it was when opened.
func (d *Device) Info() usb.DeviceInfo { return d.info }

var recipients = [...]string{"device", "interface", "endpoint", "other"}
var types = [...]string{"standard", "class", "vendor", "reserved"}

func setupObject(s usb.Setup) map[string]any {
	return map[string]any{
		"requestType": types[s.Type()>>5],
		"recipient":   recipients[s.Recipient()&3],
		"request":     int(s.Request),
		"value":       int(s.Value),
		"index":       int(s.Index),
	}
}

// Control performs a control transfer with controlTransferIn or
// controlTransferOut.
func (d *Device) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	if s.In() {
		r, err := await(ctx, d.dev.Call("controlTransferIn", setupObject(s), len(data)))
		if err != nil {
			return 0, fmt.Errorf("control IN %s: %w", s, err)
		}
		if err := status(r); err != nil {
			return 0, fmt.Errorf("control IN %s: %w", s, err)
		}
		return copyIn(data, r.Get("data")), nil
	}
	var p js.Value
	if len(data) > 0 {
		a := js.Global().Get("Uint8Array").New(len(data))
		js.CopyBytesToJS(a, data)
		p = d.dev.Call("controlTransferOut", setupObject(s), a)
	} else {
		p = d.dev.Call("controlTransferOut", setupObject(s))
	}
	r, err := await(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("control OUT %s: %w", s, err)
	}
	if err := status(r); err != nil {
		return 0, fmt.Errorf("control OUT %s: %w", s, err)
	}
	return r.Get("bytesWritten").Int(), nil
}

// copyIn copies a DataView into b and returns the bytes copied.
func copyIn(b []byte, dv js.Value) int {
	if dv.IsUndefined() || dv.IsNull() {
		return 0
	}
	u := js.Global().Get("Uint8Array").New(dv.Get("buffer"), dv.Get("byteOffset"), dv.Get("byteLength"))
	return js.CopyBytesToGo(b, u)
}

// status turns a transfer result's status into an error.
func status(r js.Value) error {
	switch s := r.Get("status").String(); s {
	case "ok":
		return nil
	case "stall":
		return usb.ErrStall
	default:
		return fmt.Errorf("transfer status %q", s)
	}
}

// Claim selects configuration 1 if none is, and claims iface.
func (d *Device) Claim(ctx context.Context, iface uint8) error {
	if d.dev.Get("configuration").IsNull() {
		if _, err := await(ctx, d.dev.Call("selectConfiguration", 1)); err != nil {
			return fmt.Errorf("selecting configuration 1: %w", err)
		}
	}
	if _, err := await(ctx, d.dev.Call("claimInterface", int(iface))); err != nil {
		return fmt.Errorf("claiming interface %d: %w", iface, err)
	}
	d.claimed = append(d.claimed, iface)
	return nil
}

// SetAlternate calls selectAlternateInterface.
func (d *Device) SetAlternate(ctx context.Context, iface, alt uint8) error {
	if _, err := await(ctx, d.dev.Call("selectAlternateInterface", int(iface), int(alt))); err != nil {
		return fmt.Errorf("selecting alternate setting %d of interface %d: %w", alt, iface, err)
	}
	return nil
}

// Transfer performs a bulk or interrupt transfer with transferIn or
// transferOut.
func (d *Device) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	if ep&0x80 != 0 {
		r, err := await(ctx, d.dev.Call("transferIn", int(ep&0x7f), len(data)))
		if err != nil {
			return 0, err
		}
		if err := status(r); err != nil {
			return 0, err
		}
		return copyIn(data, r.Get("data")), nil
	}
	a := js.Global().Get("Uint8Array").New(len(data))
	js.CopyBytesToJS(a, data)
	r, err := await(ctx, d.dev.Call("transferOut", int(ep), a))
	if err != nil {
		return 0, err
	}
	if err := status(r); err != nil {
		return 0, err
	}
	return r.Get("bytesWritten").Int(), nil
}

// Close releases the claimed interfaces and closes the device. A device
// that left the bus closes cleanly.
func (d *Device) Close() error {
	ctx := context.Background()
	for _, i := range d.claimed {
		await(ctx, d.dev.Call("releaseInterface", int(i))) //nolint:errcheck // it may have left
	}
	d.claimed = nil
	if d.dev.Get("opened").Bool() {
		await(ctx, d.dev.Call("close")) //nolint:errcheck // it may have left
	}
	return nil
}
