package iokit

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// HostName is DeviceInfo.Host for devices of this backend.
const HostName = "iokit"

// ErrNotMacOS is what Host answers on other systems.
var ErrNotMacOS = errors.New("iokit: IOKit exists only on macOS")

// Host is the IOKit backend. The zero value uses the system's devices.
type Host struct {
	sys system // nil: the operating system's
}

var _ usb.Host = (*Host)(nil)

func (h *Host) system() (system, error) {
	if h.sys != nil {
		return h.sys, nil
	}
	s, err := osSystem()
	if err != nil {
		return nil, err
	}
	h.sys = s
	return s, nil
}

// portPath turns a locationID (0xBBPPPPPP: the bus in the top byte, then
// one port number per nibble from the root hub, ended by 0) into "20-2.1".
func portPath(loc uint32) string {
	var ports []string
	for shift := 20; shift >= 0; shift -= 4 {
		p := loc >> uint(shift) & 0xf
		if p == 0 {
			break
		}
		ports = append(ports, strconv.Itoa(int(p)))
	}
	return fmt.Sprintf("%d-%s", loc>>24, strings.Join(ports, "."))
}

// Devices lists the USB devices present now, sorted by port path; each is
// opened for a moment (without exclusive access) to read its descriptors.
func (h *Host) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	sys, err := h.system()
	if err != nil {
		return nil, err
	}
	es, err := sys.devices()
	if err != nil {
		return nil, fmt.Errorf("iokit: listing USB devices: %w", err)
	}
	ports, _ := sys.serialPorts() // without them, devices only lack Ports
	var out []usb.DeviceInfo
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, describe(sys, e, ports))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func describe(sys system, e entry, ports []serialPort) usb.DeviceInfo {
	info := usb.DeviceInfo{Host: HostName, Path: portPath(e.LocationID), Bus: int(e.LocationID >> 24)}
	info.Descriptors.Device = usb.DeviceDescriptor{Vendor: e.VID, Product: e.PID}
	if e.Serial != "" {
		info.Descriptors.Device.SerialIndex = fallbackSerialIndex
		info.Descriptors.Strings = map[uint8]string{fallbackSerialIndex: e.Serial}
	}
	h, err := sys.open(e)
	if err == nil {
		d, rerr := usb.ReadDescriptors(func(s usb.Setup, data []byte) (int, error) { return h.control(s, data, DefaultTimeout) })
		if rerr == nil {
			info.Descriptors = d
		}
		_ = h.close()
	} else if usb.InDFUMode(info.Descriptors) {
		info.Problem = translate(info, "open", err).Error()
	}
	for _, p := range ports {
		if p.VID == e.VID && p.PID == e.PID && (strings.EqualFold(p.Serial, info.Descriptors.Serial()) || p.LocationID == e.LocationID) {
			info.Ports = append(info.Ports, p.Name)
		}
	}
	sort.Strings(info.Ports)
	return info
}

// fallbackSerialIndex stands for the serial string when the descriptors
// could not be read and the serial came from the registry.
const fallbackSerialIndex = 3

// Open opens the device now at info.Path for exclusive access. It lists
// the devices again, so it fails with usb.ErrGone when the port is empty
// or holds another device.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	if info.Host != "" && info.Host != HostName {
		return nil, fmt.Errorf("iokit: device %s belongs to host %q, not %q", info, info.Host, HostName)
	}
	sys, err := h.system()
	if err != nil {
		return nil, err
	}
	es, err := sys.devices()
	if err != nil {
		return nil, fmt.Errorf("iokit: listing USB devices: %w", err)
	}
	for _, e := range es {
		if portPath(e.LocationID) != info.Path {
			continue
		}
		d := info.Descriptors.Device
		if e.VID != d.Vendor || e.PID != d.Product || (e.Serial != "" && info.Descriptors.Serial() != "" && !strings.EqualFold(e.Serial, info.Descriptors.Serial())) {
			return nil, fmt.Errorf("iokit: port %s now holds %04x:%04x serial %q (was %s): %w; scan again and open the new device", info.Path, e.VID, e.PID, e.Serial, info, usb.ErrGone)
		}
		hd, err := sys.open(e)
		if err != nil {
			return nil, translate(info, "open", err)
		}
		if err := hd.exclusive(); err != nil {
			_ = hd.close()
			return nil, translate(info, "open for exclusive access", err)
		}
		return &Device{info: info, h: hd}, nil
	}
	return nil, fmt.Errorf("iokit: %s %s left the bus (nothing at port %s now): %w; scan again", info.ID(), info.Path, info.Path, usb.ErrGone)
}
