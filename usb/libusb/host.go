package libusb

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/softdfu/softdfu/usb"
)

// HostName is DeviceInfo.Host for devices of this backend.
const HostName = "libusb"

// Host is the libusb backend. The zero value loads libusb-1.0 on first use
// (Load says how to get it where it is missing).
type Host struct {
	mu  sync.Mutex
	lib lib // nil until loaded
}

var _ usb.Host = (*Host)(nil)

func (h *Host) get() (lib, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lib != nil {
		return h.lib, nil
	}
	l, err := load()
	if err != nil {
		return nil, err
	}
	h.lib = l
	return l, nil
}

// Devices lists the USB devices libusb sees now (root hubs excepted),
// sorted by port path. Each is opened for a moment to read its
// configuration and strings; one that cannot be opened is listed with its
// device descriptor only, and a DFU-mode one with DeviceInfo.Problem
// saying why.
func (h *Host) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	l, err := h.get()
	if err != nil {
		return nil, err
	}
	list, free, err := l.devices()
	if err != nil {
		return nil, fmt.Errorf("libusb: listing devices: %w", err)
	}
	defer free()
	var out []usb.DeviceInfo
	for _, dev := range list {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		info, ok := describe(l, dev)
		if ok {
			out = append(out, info)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// describe builds a device's DeviceInfo; ok is false for root hubs.
func describe(l lib, dev uintptr) (usb.DeviceInfo, bool) {
	desc, bus, ports, addr, err := l.describe(dev)
	if err != nil || len(ports) == 0 {
		return usb.DeviceInfo{}, false
	}
	info := usb.DeviceInfo{Host: HostName, Path: portPath(bus, ports), Bus: int(bus), Address: int(addr)}
	info.Descriptors.Device = desc
	h, err := l.open(dev)
	if err != nil {
		if usb.InDFUMode(info.Descriptors) {
			info.Problem = translate(info, "open", err).Error()
		}
		return info, true
	}
	defer l.close(h)
	readAll(l, h, &info)
	return info, true
}

// readAll reads an opened device's descriptors into info, keeping what
// info has if they cannot be read.
func readAll(l lib, h uintptr, info *usb.DeviceInfo) {
	d, err := usb.ReadDescriptors(func(s usb.Setup, data []byte) (int, error) {
		return l.control(h, s, data, DefaultTimeout)
	})
	if err == nil {
		info.Descriptors = d
	}
}

// portPath writes "1-2.1": the bus, then the ports from the root hub.
func portPath(bus uint8, ports []uint8) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(int(p))
	}
	return fmt.Sprintf("%d-%s", bus, strings.Join(s, "."))
}

// Open opens the device now at info.Path. It lists the devices again, so it
// fails with usb.ErrGone when the port is empty or holds another device.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	if info.Host != "" && info.Host != HostName {
		return nil, fmt.Errorf("libusb: device %s belongs to host %q, not %q", info, info.Host, HostName)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, err := h.get()
	if err != nil {
		return nil, err
	}
	list, free, err := l.devices()
	if err != nil {
		return nil, fmt.Errorf("libusb: listing devices: %w", err)
	}
	defer free()
	for _, dev := range list {
		desc, bus, ports, addr, err := l.describe(dev)
		if err != nil || len(ports) == 0 || portPath(bus, ports) != info.Path {
			continue
		}
		if desc.Vendor != info.Descriptors.Device.Vendor || desc.Product != info.Descriptors.Device.Product {
			return nil, fmt.Errorf("libusb: port %s now holds %04x:%04x (was %s): %w; scan again and open the new device", info.Path, desc.Vendor, desc.Product, info, usb.ErrGone)
		}
		hd, err := l.open(dev)
		if err != nil {
			return nil, translate(info, "open", err)
		}
		cur := info
		cur.Bus, cur.Address = int(bus), int(addr)
		readAll(l, hd, &cur)
		if sn0, sn1 := info.Descriptors.Serial(), cur.Descriptors.Serial(); sn0 != "" && sn1 != "" && sn0 != sn1 {
			l.close(hd)
			return nil, fmt.Errorf("libusb: port %s now holds %s (was %s): %w; scan again and open the new device", info.Path, cur, info, usb.ErrGone)
		}
		return &Device{l: l, h: hd, info: cur, claimed: map[uint8]bool{}}, nil
	}
	return nil, fmt.Errorf("libusb: %s %s left the bus (nothing at port %s now): %w; scan again", info.ID(), info.Path, info.Path, usb.ErrGone)
}
