package winusb

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// HostName is DeviceInfo.Host for devices of this backend.
const HostName = "winusb"

// ErrNotWindows is what Host answers on other systems.
var ErrNotWindows = errors.New("winusb: WinUSB exists only on Windows")

// Host is the WinUSB backend. The zero value uses the system's devices.
type Host struct {
	sys system // nil: the operating system's
}

var _ usb.Host = (*Host)(nil)

func (h *Host) system() (system, error) {
	if h.sys != nil {
		return h.sys, nil
	}
	if osSystem == nil {
		return nil, ErrNotWindows
	}
	return osSystem, nil
}

// entry is a device node with what Devices made of it.
type entry struct {
	node node
	info usb.DeviceInfo
}

// Devices lists the USB devices present now, whatever driver they have,
// sorted by port path. Their descriptors are read through the parent
// hub's driver, so a device with no driver or another program's driver
// is listed too; a DFU-mode device WinUSB cannot open says why in
// DeviceInfo.Problem.
func (h *Host) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	es, err := h.scan(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]usb.DeviceInfo, len(es))
	for i, e := range es {
		out[i] = e.info
	}
	return out, nil
}

func (h *Host) scan(ctx context.Context) ([]entry, error) {
	sys, err := h.system()
	if err != nil {
		return nil, err
	}
	all, err := sys.nodes()
	if err != nil {
		return nil, fmt.Errorf("winusb: listing USB devices: %w", err)
	}
	var ns []node
	for _, n := range all {
		if id, ok := parseID(n.InstanceID); ok && id.Interface < 0 {
			ns = append(ns, n)
		}
	}
	paths := portPaths(ns)
	ports, _ := sys.serialPorts() // without them, devices only lack Ports
	var out []entry
	for i, n := range ns {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out = append(out, entry{node: n, info: describe(sys, n, paths[i], ports)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].info.Path < out[j].info.Path })
	return out, nil
}

// describe builds a node's DeviceInfo.
func describe(sys system, n node, path string, ports []serialPort) usb.DeviceInfo {
	id, _ := parseID(n.InstanceID)
	info := usb.DeviceInfo{Host: HostName, Path: path, Bus: busOf(path)}
	d, err := readDescriptors(sys, n)
	if err != nil {
		// The hub would not say: what the IDs tell is all there is.
		d = usb.Descriptors{Device: usb.DeviceDescriptor{Vendor: id.VID, Product: id.PID, Device: id.Rev}}
		if sn := instanceSerial(n.InstanceID); sn != "" {
			d.Device.SerialIndex = fallbackSerialIndex
			d.Strings = map[uint8]string{fallbackSerialIndex: sn}
		}
	}
	info.Descriptors = d
	for _, p := range ports {
		if p.VID == d.Device.Vendor && p.PID == d.Device.Product && strings.EqualFold(p.Serial, d.Serial()) {
			info.Ports = append(info.Ports, p.Name)
		}
	}
	sort.Strings(info.Ports)
	if len(n.Interfaces) == 0 && needsWinUSB(d) {
		info.Problem = driverProblem(n, info)
	}
	return info
}

// fallbackSerialIndex stands for the serial string when the descriptors
// could not be read and the serial came from the instance ID.
const fallbackSerialIndex = 3

func busOf(path string) int {
	var b int
	if _, err := fmt.Sscanf(path, "%d-", &b); err != nil {
		return 0
	}
	return b
}

// Open opens the device now at info.Path through WinUSB. It lists the
// devices again, so it fails with usb.ErrGone when the port is empty or
// holds another device, and with usb.ErrNoDriver (naming the device, its
// driver and the steps to take) when WinUSB is not bound to it.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	if info.Host != "" && info.Host != HostName {
		return nil, fmt.Errorf("winusb: device %s belongs to host %q, not %q", info, info.Host, HostName)
	}
	es, err := h.scan(ctx)
	if err != nil {
		return nil, err
	}
	e, err := find(es, info)
	if err != nil {
		return nil, err
	}
	if len(e.node.Interfaces) == 0 {
		problem := e.info.Problem
		if problem == "" {
			problem = driverProblem(e.node, e.info)
		}
		return nil, fmt.Errorf("winusb: cannot open %s: %w: %s", e.info.ID(), usb.ErrNoDriver, problem)
	}
	sys, _ := h.system()
	hd, err := sys.open(e.node)
	if err != nil {
		return nil, translate(e.info, "open", err)
	}
	return &Device{info: e.info, h: hd}, nil
}

// find picks the entry at info.Path if it is the same device (vendor,
// product and, where both have one, serial).
func find(es []entry, info usb.DeviceInfo) (entry, error) {
	for _, e := range es {
		if e.info.Path != info.Path {
			continue
		}
		was, now := info.Descriptors.Device, e.info.Descriptors.Device
		sn0, sn1 := info.Descriptors.Serial(), e.info.Descriptors.Serial()
		if was.Vendor != now.Vendor || was.Product != now.Product || (sn0 != "" && sn1 != "" && !strings.EqualFold(sn0, sn1)) {
			return entry{}, fmt.Errorf("winusb: port %s now holds %s (was %s): %w; scan again and open the new device", info.Path, e.info, info, usb.ErrGone)
		}
		return e, nil
	}
	return entry{}, fmt.Errorf("winusb: %s %s left the bus (nothing at port %s now): %w; scan again", info.ID(), info.Path, info.Path, usb.ErrGone)
}

func isGone(err error) bool { return errors.Is(err, usb.ErrGone) }
