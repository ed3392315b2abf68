package usbfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// Default locations.
const (
	DefaultSysfsRoot = "/sys/bus/usb/devices"
	DefaultDevRoot   = "/dev/bus/usb"
	DefaultTTYDir    = "/dev"
)

// HostName is DeviceInfo.Host for devices found by this backend.
const HostName = "usbfs"

// sysDevice is one device directory as read from sysfs.
type sysDevice struct {
	info usb.DeviceInfo
	dir  string // sysfs directory of the device
}

// scan lists the devices under root (a /sys/bus/usb/devices tree), sorted by
// bus and port path. Devices that vanish while being read are left out.
func scan(ctx context.Context, root, ttyDir string) ([]sysDevice, error) {
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &noBusError{root}
	}
	if err != nil {
		return nil, fmt.Errorf("usbfs: listing USB devices in %s: %w", root, err)
	}
	var out []sysDevice
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := e.Name()
		if !isDeviceName(name) {
			continue
		}
		d, err := readDevice(root, name, ttyDir)
		if err != nil {
			continue // gone while scanning, or not a device directory
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].info, out[j].info
		if a.Bus != b.Bus {
			return a.Bus < b.Bus
		}
		return portLess(a.Path, b.Path)
	})
	return out, nil
}

// isDeviceName reports whether a /sys/bus/usb/devices entry is a non-root
// device ("1-1", "1-1.4"), not an interface ("1-1:1.0") or root hub ("usb1").
func isDeviceName(name string) bool {
	if name == "" || strings.ContainsRune(name, ':') || strings.HasPrefix(name, "usb") {
		return false
	}
	for _, r := range name {
		if (r < '0' || r > '9') && r != '-' && r != '.' {
			return false
		}
	}
	return true
}

// portLess orders port paths numerically: "1-2" < "1-10", "1-1" < "1-1.1".
func portLess(a, b string) bool {
	as := strings.FieldsFunc(a, func(r rune) bool { return r == '-' || r == '.' })
	bs := strings.FieldsFunc(b, func(r rune) bool { return r == '-' || r == '.' })
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}

// readDevice reads the device directory root/name.
func readDevice(root, name, ttyDir string) (sysDevice, error) {
	dir := filepath.Join(root, name)
	busnum, err := readInt(dir, "busnum", 10)
	if err != nil {
		return sysDevice{}, err
	}
	devnum, err := readInt(dir, "devnum", 10)
	if err != nil {
		return sysDevice{}, err
	}
	raw, err := readAttr(filepath.Join(dir, "descriptors"))
	if err != nil {
		return sysDevice{}, err
	}
	descs, err := parseDescriptors(raw)
	if err != nil {
		// Keep the device visible: take the device descriptor from the
		// attribute files and leave the configurations out.
		descs = usb.Descriptors{Device: deviceFromAttrs(dir)}
	}
	info := usb.DeviceInfo{Host: HostName, Path: name, Bus: busnum, Address: devnum, Descriptors: descs}
	strs := map[uint8]string{}
	dd := descs.Device
	addString(strs, dd.ManufacturerIndex, dir, "manufacturer")
	addString(strs, dd.ProductIndex, dir, "product")
	addString(strs, dd.SerialIndex, dir, "serial")
	active, _ := readInt(dir, "bConfigurationValue", 10)
	for _, c := range descs.Configs {
		if int(c.Value) == active {
			addString(strs, c.StringIndex, dir, "configuration")
		}
	}
	for _, ifc := range interfaceDirs(dir, name) {
		num, err1 := readInt(ifc, "bInterfaceNumber", 16)
		alt, err2 := readInt(ifc, "bAlternateSetting", 10)
		if err1 == nil && err2 == nil {
			for _, c := range descs.Configs {
				if int(c.Value) != active {
					continue
				}
				for _, id := range c.Interfaces {
					if int(id.Number) == num && int(id.Alternate) == alt {
						addString(strs, id.StringIndex, ifc, "interface")
					}
				}
			}
		}
		info.Ports = append(info.Ports, ttyPorts(ifc, ttyDir)...)
	}
	if len(strs) > 0 {
		info.Descriptors.Strings = strs
	}
	sort.Strings(info.Ports)
	return sysDevice{info: info, dir: dir}, nil
}

// interfaceDirs lists the interface directories ("1-1.4:1.0") of a device.
func interfaceDirs(dir, name string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), name+":") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// interfaceDir finds the directory of interface iface in the active
// configuration, or "".
func interfaceDir(dir string, iface uint8) string {
	name := filepath.Base(dir)
	for _, ifc := range interfaceDirs(dir, name) {
		if n, err := readInt(ifc, "bInterfaceNumber", 16); err == nil && n == int(iface) {
			return ifc
		}
	}
	return ""
}

// driverOf names the driver bound to a sysfs device or interface directory
// ("cdc_acm", "usbfs"), or "" if none is.
func driverOf(dir string) string {
	if dir == "" {
		return ""
	}
	t, err := os.Readlink(filepath.Join(dir, "driver"))
	if err != nil {
		return ""
	}
	return filepath.Base(t)
}

// ttyPorts lists the tty device nodes of an interface: cdc_acm puts them in
// a tty/ subdirectory (tty/ttyACM0), usb-serial drivers directly (ttyUSB0).
func ttyPorts(ifc, ttyDir string) []string {
	var out []string
	if ents, err := os.ReadDir(filepath.Join(ifc, "tty")); err == nil {
		for _, e := range ents {
			out = append(out, filepath.Join(ttyDir, e.Name()))
		}
	}
	if ents, err := os.ReadDir(ifc); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "ttyUSB") {
				out = append(out, filepath.Join(ttyDir, e.Name()))
			}
		}
	}
	return out
}

func addString(m map[uint8]string, idx uint8, dir, attr string) {
	if idx == 0 {
		return
	}
	b, err := readAttr(filepath.Join(dir, attr))
	if err != nil {
		return
	}
	m[idx] = strings.TrimSuffix(string(b), "\n")
}

func readInt(dir, attr string, base int) (int, error) {
	b, err := readAttr(filepath.Join(dir, attr))
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), base, 32)
	if err != nil {
		return 0, fmt.Errorf("usbfs: %s: %w", filepath.Join(dir, attr), err)
	}
	return int(n), nil
}

// deviceFromAttrs builds a device descriptor from the sysfs attribute files,
// for a device whose descriptors attribute cannot be parsed.
func deviceFromAttrs(dir string) usb.DeviceDescriptor {
	h := func(a string) int { n, _ := readInt(dir, a, 16); return n }
	d := func(a string) int { n, _ := readInt(dir, a, 10); return n }
	return usb.DeviceDescriptor{
		Class: uint8(h("bDeviceClass")), SubClass: uint8(h("bDeviceSubClass")), Protocol: uint8(h("bDeviceProtocol")),
		Vendor: uint16(h("idVendor")), Product: uint16(h("idProduct")), Device: uint16(h("bcdDevice")),
		NumConfigurations: uint8(d("bNumConfigurations")),
	}
}

// errDescriptors marks a malformed sysfs descriptors attribute.
var errDescriptors = errors.New("usbfs: malformed sysfs descriptors")

// parseDescriptors decodes a sysfs `descriptors` attribute: the 18-byte
// device descriptor, then each configuration descriptor with its
// wTotalLength bytes.
func parseDescriptors(b []byte) (usb.Descriptors, error) {
	if len(b) < 18 {
		return usb.Descriptors{}, fmt.Errorf("%w: %d bytes, want at least the 18-byte device descriptor", errDescriptors, len(b))
	}
	dev, err := usb.ParseDeviceDescriptor(b[:18])
	if err != nil {
		return usb.Descriptors{}, fmt.Errorf("%w: at byte 0: %w", errDescriptors, err)
	}
	ds := usb.Descriptors{Device: dev}
	off := 18 // the kernel writes exactly 18 bytes
	for off < len(b) {
		rest := b[off:]
		if len(rest) < 4 {
			return usb.Descriptors{}, fmt.Errorf("%w: %d stray bytes at byte %d", errDescriptors, len(rest), off)
		}
		total := int(binary.LittleEndian.Uint16(rest[2:]))
		if rest[1] != usb.DescConfiguration || total < 9 || total > len(rest) {
			return usb.Descriptors{}, fmt.Errorf("%w: configuration at byte %d: type %#02x, wTotalLength %d, %d bytes left", errDescriptors, off, rest[1], total, len(rest))
		}
		c, err := usb.ParseConfigDescriptor(rest[:total])
		if err != nil {
			return usb.Descriptors{}, fmt.Errorf("%w: configuration at byte %d: %w", errDescriptors, off, err)
		}
		ds.Configs = append(ds.Configs, c)
		off += total
	}
	return ds, nil
}

// ErrNoBus: the system has no USB bus at all (a container or a VM without
// USB); it is also usb.ErrNotFound.
var ErrNoBus = errors.New("usbfs: no USB bus")

// noBusError is ErrNoBus with the sysfs path that is missing.
type noBusError struct{ root string }

func (e *noBusError) Error() string {
	return fmt.Sprintf("usbfs: this system shows no USB bus (%s does not exist: a container or VM without USB?)", e.root)
}

// Is makes the error ErrNoBus and usb.ErrNotFound.
func (e *noBusError) Is(target error) bool { return target == ErrNoBus || target == usb.ErrNotFound }
