//go:build js && wasm

package webusb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall/js"

	"github.com/softdfu/softdfu/usb"
)

// Filter is a vendor and product ID pair for requestDevice.
type Filter struct{ Vendor, Product uint16 }

// Host is the browser's navigator.usb.
type Host struct {
	usb js.Value

	mu    sync.Mutex
	known []known // descriptors read so far, by USBDevice object
}

type known struct {
	dev  js.Value
	info usb.DeviceInfo
}

// ErrUnsupported is returned when the browser has no WebUSB.
var ErrUnsupported = errors.New("this browser has no WebUSB (navigator.usb): use a Chromium-based browser (Chrome, Edge, Opera) over https or on localhost")

// New returns the browser's WebUSB host.
func New() (*Host, error) {
	u := js.Global().Get("navigator").Get("usb")
	if u.IsUndefined() || u.IsNull() {
		return nil, ErrUnsupported
	}
	return &Host{usb: u}, nil
}

// Request asks the user to pick a device matching filters (the browser's
// chooser). The browser refuses unless a click started it; JavaScript code
// that has the user's click can call navigator.usb.requestDevice itself
// and hand the device to Add.
func (h *Host) Request(ctx context.Context, filters []Filter) (usb.DeviceInfo, error) {
	fs := make([]any, len(filters))
	for i, f := range filters {
		fs[i] = map[string]any{"vendorId": int(f.Vendor), "productId": int(f.Product)}
	}
	dev, err := await(ctx, h.usb.Call("requestDevice", map[string]any{"filters": fs}))
	if err != nil {
		return usb.DeviceInfo{}, err
	}
	return h.Add(ctx, dev)
}

// Add reads the descriptors of a USBDevice the page obtained and returns
// its DeviceInfo, as Devices will list it.
func (h *Host) Add(ctx context.Context, dev js.Value) (usb.DeviceInfo, error) {
	if _, err := h.Devices(ctx); err != nil {
		return usb.DeviceInfo{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range h.known {
		if k.dev.Equal(dev) {
			return k.info, nil
		}
	}
	info, err := h.describe(ctx, dev, len(h.known))
	if err != nil {
		return usb.DeviceInfo{}, err
	}
	h.known = append(h.known, known{dev, info})
	return info, nil
}

// Devices lists the devices the user granted this page that are present.
func (h *Host) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	list, err := await(ctx, h.usb.Call("getDevices"))
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var keep []known
	var out []usb.DeviceInfo
	for i := range list.Length() {
		dev := list.Index(i)
		k, ok := h.find(dev)
		if !ok {
			info, err := h.describe(ctx, dev, i)
			if err != nil {
				continue // it left while being read, or another tab holds it
			}
			k = known{dev, info}
		}
		keep = append(keep, k)
		out = append(out, k.info)
	}
	h.known = keep
	return out, nil
}

func (h *Host) find(dev js.Value) (known, bool) {
	for _, k := range h.known {
		if k.dev.Equal(dev) {
			return k, true
		}
	}
	return known{}, false
}

// Open opens a device that Devices listed.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	h.mu.Lock()
	var dev js.Value
	for _, k := range h.known {
		if k.info.Path == info.Path {
			dev = k.dev
		}
	}
	h.mu.Unlock()
	if dev.IsUndefined() {
		return nil, fmt.Errorf("%s: %w", info.Path, usb.ErrGone)
	}
	if err := open(ctx, dev); err != nil {
		return nil, err
	}
	return &Device{dev: dev, info: info}, nil
}

func open(ctx context.Context, dev js.Value) error {
	if dev.Get("opened").Bool() {
		return nil
	}
	_, err := await(ctx, dev.Call("open"))
	if err != nil {
		return fmt.Errorf("opening %04x:%04x: %w", dev.Get("vendorId").Int(), dev.Get("productId").Int(), err)
	}
	return nil
}

// describe opens dev and reads its device and configuration descriptors
// and strings, as the other backends report them.
func (h *Host) describe(ctx context.Context, dev js.Value, index int) (usb.DeviceInfo, error) {
	if err := open(ctx, dev); err != nil {
		return usb.DeviceInfo{}, err
	}
	d := &Device{dev: dev}
	var ds usb.Descriptors
	buf := make([]byte, 18)
	n, err := d.Control(ctx, getDescriptor(1, 0, 18), buf)
	if err != nil {
		return usb.DeviceInfo{}, fmt.Errorf("reading the device descriptor: %w", err)
	}
	if ds.Device, err = usb.ParseDeviceDescriptor(buf[:n]); err != nil {
		return usb.DeviceInfo{}, err
	}
	for c := range int(ds.Device.NumConfigurations) {
		head := make([]byte, 9)
		if _, err := d.Control(ctx, getDescriptor(2, uint8(c), 9), head); err != nil {
			return usb.DeviceInfo{}, fmt.Errorf("reading configuration descriptor %d: %w", c, err)
		}
		total := int(head[2]) | int(head[3])<<8
		full := make([]byte, total)
		n, err := d.Control(ctx, getDescriptor(2, uint8(c), total), full)
		if err != nil {
			return usb.DeviceInfo{}, fmt.Errorf("reading configuration descriptor %d: %w", c, err)
		}
		cfg, err := usb.ParseConfigDescriptor(full[:n])
		if err != nil {
			return usb.DeviceInfo{}, err
		}
		ds.Configs = append(ds.Configs, cfg)
	}
	ds.Strings = readStrings(ctx, d, ds)
	path := fmt.Sprintf("web:%d", index)
	if sn := ds.Serial(); sn != "" {
		path = "web:" + sn
	}
	return usb.DeviceInfo{Host: "webusb", Path: path, Descriptors: ds}, nil
}

// readStrings reads the device's strings and the interfaces' names (the
// DfuSe memory layouts); a string that cannot be read is left out.
func readStrings(ctx context.Context, d *Device, ds usb.Descriptors) map[uint8]string {
	idx := []uint8{ds.Device.ManufacturerIndex, ds.Device.ProductIndex, ds.Device.SerialIndex}
	for _, c := range ds.Configs {
		for _, i := range c.Interfaces {
			idx = append(idx, i.StringIndex)
		}
	}
	out := map[uint8]string{}
	for _, i := range idx {
		if _, done := out[i]; done || i == 0 {
			continue
		}
		if s, err := usb.ReadString(ctx, d, i); err == nil {
			out[i] = s
		}
	}
	return out
}

func getDescriptor(kind, index uint8, n int) usb.Setup {
	return usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: uint16(kind)<<8 | uint16(index), Length: uint16(n)}
}
