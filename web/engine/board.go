//go:build js && wasm

package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"syscall/js"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// cloneROMs are the DfuSe ROM bootloaders of STM32 clones (Artery AT32,
// GigaDevice GD32, Geehy APM32) the page also asks for, until the chip
// database (part.ROMIDs) lists their families.
var cloneROMs = []part.USBID{{Vendor: 0x2E3C, Product: 0xDF11}, {Vendor: 0x28E9, Product: 0x0189}, {Vendor: 0x314B, Product: 0x0106}}

// usbFilters are the devices the page asks the browser for: every ROM
// bootloader the chip database knows, the clones', and running
// applications with ST's, CircuitPython's or MicroPython's vendor ID (for
// DFU_DETACH on a DFU run-time interface).
func usbFilters() []map[string]int {
	var out []map[string]int
	for _, id := range append(part.ROMIDs(), cloneROMs...) {
		f := map[string]int{"vendorId": int(id.Vendor), "productId": int(id.Product)}
		if !slices.ContainsFunc(out, func(g map[string]int) bool { return maps.Equal(f, g) }) {
			out = append(out, f)
		}
	}
	for _, v := range []int{enter.VendorST, enter.VendorAdafruit, enter.VendorMicroPython} {
		out = append(out, map[string]int{"vendorId": v})
	}
	return out
}

// serialFilters are the serial ports whose firmware package enter knows
// how to ask for the bootloader.
func serialFilters() []map[string]int {
	return []map[string]int{{"usbVendorId": enter.VendorAdafruit}, {"usbVendorId": enter.VendorMicroPython}, {"usbVendorId": enter.VendorST}}
}

type sectorJSON struct {
	Index   int    `json:"index"`
	Address string `json:"address"`
	Start   uint32 `json:"start"`
	Size    uint32 `json:"size"`
	Flags   string `json:"flags"`
}

type memoryJSON struct {
	Alt     int          `json:"alt"`
	Name    string       `json:"name"`
	Sectors []sectorJSON `json:"sectors"`
}

type boardJSON struct {
	ID           string       `json:"id"`
	Product      string       `json:"product"`
	Manufacturer string       `json:"manufacturer"`
	Serial       string       `json:"serial"`
	Path         string       `json:"path"`
	DFU          bool         `json:"dfu"`
	Methods      []string     `json:"methods"`
	Part         string       `json:"part,omitempty"`
	RAM          []string     `json:"ram"`
	Memories     []memoryJSON `json:"memories"`
	ROMSerial    string       `json:"romSerial,omitempty"`
}

// selectBoard(USBDevice) reads a device the page was granted and makes it
// the board to work on.
func (e *engine) selectBoard(ctx context.Context, args []js.Value) (any, error) {
	h, err := e.webUSB()
	if err != nil {
		return nil, err
	}
	info, err := h.Add(ctx, arg(args, 0))
	if err != nil {
		return nil, err
	}
	e.board = &info
	return describeBoard(info), nil
}

func describeBoard(info usb.DeviceInfo) boardJSON {
	d := info.Descriptors
	b := boardJSON{ID: info.ID(), Product: d.ProductName(), Manufacturer: d.Manufacturer(), Serial: d.Serial(),
		Path: info.Path, DFU: enter.IsBootloader(d), Methods: []string{}, Memories: []memoryJSON{}, RAM: []string{}}
	for _, m := range enter.Methods(d) {
		b.Methods = append(b.Methods, string(m))
	}
	b.ROMSerial, _ = enter.PredictROMSerial(d.Serial())
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class != 0xFE || i.SubClass != 1 || i.Protocol != 2 {
				continue
			}
			l, err := dfu.ParseLayout(d.String(i.StringIndex))
			if err != nil {
				continue
			}
			m := memoryJSON{Alt: int(i.Alternate), Name: l.Name}
			for _, s := range l.All() {
				m.Sectors = append(m.Sectors, sectorJSON{s.Index, hex(s.Address), s.Address, s.Size, s.Flags.String()})
			}
			b.Memories = append(b.Memories, m)
			if i.Alternate == 0 {
				if c, ok := board.Chip(d.Device, l); ok {
					b.Part = c.Name
					for _, r := range c.RAM {
						b.RAM = append(b.RAM, rangeText(r))
					}
				}
			}
		}
	}
	return b
}

func rangeText(r part.Range) string {
	return fmt.Sprintf("%s-%s (%d KB)", hex(r.Start), hex(uint32(r.End()-1)), r.Size>>10)
}

// current returns the board, read again from the bus: a board that reset
// since it was picked is found by its path.
func (e *engine) current(ctx context.Context) (usb.DeviceInfo, error) {
	if e.board == nil {
		return usb.DeviceInfo{}, errNoBoard
	}
	devs, err := e.host.Devices(ctx)
	if err != nil {
		return usb.DeviceInfo{}, err
	}
	for _, d := range devs {
		if d.Path == e.board.Path {
			e.board = &d
			return d, nil
		}
	}
	return usb.DeviceInfo{}, fmt.Errorf("%s is no longer connected: %w", e.board.Path, usb.ErrGone)
}

var errNoBoard = errors.New("no board: connect one first")
