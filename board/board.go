// Package board is the host-side layer between front ends (the softdfu
// command line, a dfu-util compatible one, a web page) and the DFU protocol
// engine: it finds and selects boards, waits for what the bus shows, opens
// a session on a board in the ROM bootloader, and runs the operations a
// front end offers (read, verify, erase, option bytes, unprotect, leave).
// Its errors carry a Kind (exit code and JSON code) and speak library
// terms; its progress is typed Events. Front ends add flags and wording.
package board

import (
	"context"
	"fmt"
	"maps"
	"sort"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Sector is a sector of a board's memory map (index, address, size,
// flags), as the DfuSe layout strings show it.
type Sector = dfu.Sector

// Layout is the memory map of an alternate setting.
type Layout = dfu.Layout

// ParseLayout reads a DfuSe memory-map string (an alternate setting's
// name).
func ParseLayout(s string) (Layout, error) { return dfu.ParseLayout(s) }

// Mode is what a board runs, as its USB interfaces show it.
type Mode string

// Modes of a board.
const (
	// DFU: the ROM bootloader (a DFU-mode interface).
	DFU Mode = "dfu"
	// RunTime: an application with a DFU run-time interface.
	RunTime Mode = "dfu-runtime"
	// App: any other application.
	App Mode = "app"
)

// Board is a device as softdfu presents it: where it is, what it is, and
// for DFU-mode devices the names of their alternate settings.
type Board struct {
	Path    string   `json:"path"`
	Host    string   `json:"host"`
	ID      string   `json:"id"`
	Mode    Mode     `json:"mode"`
	Serial  string   `json:"serial,omitempty"`
	Product string   `json:"product,omitempty"`
	Maker   string   `json:"manufacturer,omitempty"`
	Address int      `json:"address"`
	Alts    []string `json:"alt_settings,omitempty"`
	Ports   []string `json:"ports,omitempty"`
	// Problem says why the backend cannot open the board, and what to do.
	Problem string `json:"problem,omitempty"`

	// Info is the device as the host enumerated it.
	Info usb.DeviceInfo `json:"-"`
}

// String names the board by port path, ID and product.
func (b Board) String() string { return fmt.Sprintf("%s (%s %s)", b.Path, b.ID, b.Product) }

// Paths returns the port paths of bs, in order.
func Paths(bs []Board) []string {
	paths := make([]string, len(bs))
	for i, b := range bs {
		paths[i] = b.Path
	}
	return paths
}

// ModeOf classifies a device by its interfaces.
func ModeOf(d usb.Descriptors) Mode {
	mode := App
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class == dfu.InterfaceClass && i.SubClass == dfu.InterfaceSubClass {
				switch i.Protocol {
				case dfu.ProtocolDFUMode:
					return DFU
				case dfu.ProtocolRunTime:
					mode = RunTime
				}
			}
		}
	}
	return mode
}

// InDFU reports whether a device shows a DFU-mode interface.
func InDFU(info usb.DeviceInfo) bool { return ModeOf(info.Descriptors) == DFU }

// Describe turns a DeviceInfo into a Board, reading the alternate-setting
// names of DFU-mode devices (opening them when the backend did not already
// read the strings). The names it read are added to the strings of the
// Board's Info, so that a session opened from it does not read them again.
func Describe(ctx context.Context, host usb.Host, info usb.DeviceInfo) Board {
	d := info.Descriptors
	b := Board{
		Path: info.Path, Host: info.Host, ID: info.ID(), Mode: ModeOf(d), Serial: SerialOf(d),
		Product: d.ProductName(), Maker: d.Manufacturer(), Address: info.Address, Ports: info.Ports, Problem: info.Problem, Info: info,
	}
	if b.Mode != DFU || len(d.Configs) == 0 {
		return b
	}
	strs := maps.Clone(d.Strings)
	if strs == nil {
		strs = map[uint8]string{}
	}
	b.Info.Descriptors.Strings = strs
	var dev usb.Device
	for _, itf := range d.Configs[0].Interfaces {
		if itf.Class != dfu.InterfaceClass || itf.Protocol != dfu.ProtocolDFUMode {
			continue
		}
		name, ok := strs[itf.StringIndex]
		if !ok && dev == nil {
			var err error
			if dev, err = host.Open(ctx, info); err != nil {
				break
			}
			defer dev.Close()
		}
		if !ok {
			var err error
			if name, err = usb.ReadString(ctx, dev, itf.StringIndex); err == nil {
				strs[itf.StringIndex] = name
			}
		}
		b.Alts = append(b.Alts, name)
	}
	return b
}

// List returns the devices of the host as boards, sorted by port path.
func List(ctx context.Context, host usb.Host) ([]Board, error) {
	infos, err := host.Devices(ctx)
	if err != nil {
		return nil, err
	}
	return describeAll(ctx, host, infos), nil
}

func describeAll(ctx context.Context, host usb.Host, infos []usb.DeviceInfo) []Board {
	var out []Board
	for _, info := range infos {
		out = append(out, Describe(ctx, host, info))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// DFUInterface returns the DFU-mode interface of a device; for a device
// without one the error wraps ErrNotInDFU.
func DFUInterface(info usb.DeviceInfo) (dfu.Interface, error) {
	for _, c := range info.Descriptors.Configs {
		for _, i := range dfu.FindInterfaces(c) {
			if !i.RunTime() {
				return i, nil
			}
		}
	}
	return dfu.Interface{}, fmt.Errorf("%s (%s): %w: it runs an application; put it in the ROM bootloader first: hold BOOT0 high and press reset, or enter it from software",
		info.Path, info.Descriptors.ProductName(), ErrNotInDFU)
}

// SerialOf is the device's serial number; for a ROM whose family sends it
// as UTF-8 bytes (part.Quirks.UTF8Serial: GD32) it undoes the host's
// UTF-16LE reading.
func SerialOf(d usb.Descriptors) string {
	s := d.Serial()
	for _, f := range part.FamilyOf(d.Device.Vendor, d.Device.Product) {
		if f.Quirks.UTF8Serial {
			return usb.UTF8FromUTF16(s)
		}
	}
	return s
}
