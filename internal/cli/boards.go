package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/usb"
)

// board is a device as softdfu presents it: where it is, what it is, and
// for DFU-mode devices their memory layout.
type board struct {
	Path    string   `json:"path"`
	Host    string   `json:"host"`
	ID      string   `json:"id"`
	Mode    string   `json:"mode"` // dfu, dfu-runtime, app
	Serial  string   `json:"serial,omitempty"`
	Product string   `json:"product,omitempty"`
	Maker   string   `json:"manufacturer,omitempty"`
	Address int      `json:"address"`
	Alts    []string `json:"alt_settings,omitempty"`
	Ports   []string `json:"ports,omitempty"`
	Problem string   `json:"problem,omitempty"` // why the backend cannot open it

	info usb.DeviceInfo
}

// modeOf classifies a device by its interfaces.
func modeOf(d usb.Descriptors) string {
	mode := "app"
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class == dfu.InterfaceClass && i.SubClass == dfu.InterfaceSubClass {
				switch i.Protocol {
				case dfu.ProtocolDFUMode:
					return "dfu"
				case dfu.ProtocolRunTime:
					mode = "dfu-runtime"
				}
			}
		}
	}
	return mode
}

// describe turns a DeviceInfo into a board, reading the alternate-setting
// names of DFU-mode devices (opening them when the backend did not already
// read the strings).
func describe(ctx context.Context, host usb.Host, info usb.DeviceInfo) board {
	d := info.Descriptors
	b := board{
		Path: info.Path, Host: info.Host, ID: info.ID(), Mode: modeOf(d), Serial: d.Serial(),
		Product: d.ProductName(), Maker: d.Manufacturer(), Address: info.Address, Ports: info.Ports, Problem: info.Problem, info: info,
	}
	if b.Mode != "dfu" || len(d.Configs) == 0 {
		return b
	}
	var dev usb.Device
	for _, itf := range d.Configs[0].Interfaces {
		if itf.Class != dfu.InterfaceClass || itf.Protocol != dfu.ProtocolDFUMode {
			continue
		}
		name, ok := d.Strings[itf.StringIndex]
		if !ok && dev == nil {
			var err error
			if dev, err = host.Open(ctx, info); err != nil {
				break
			}
			defer dev.Close()
		}
		if !ok && dev != nil {
			name, _ = usb.ReadString(ctx, dev, itf.StringIndex)
		}
		b.Alts = append(b.Alts, name)
	}
	return b
}

// boards lists the devices of the host, sorted by path.
func (e *env) boards(ctx context.Context) (usb.Host, []board, error) {
	host, err := e.host(ctx)
	if err != nil {
		return nil, nil, err
	}
	infos, err := host.Devices(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []board
	for _, info := range infos {
		out = append(out, describe(ctx, host, info))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return host, out, nil
}

func (e *env) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List boards: ROM bootloaders and applications softdfu can enter DFU from",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			_, bs, err := e.boards(c.Context())
			if err != nil {
				return err
			}
			if e.json {
				if bs == nil {
					bs = []board{}
				}
				return e.document(bs)
			}
			if len(bs) == 0 {
				e.say("no boards found")
				return nil
			}
			w := newTable(e.stdout, "PATH", "ID", "MODE", "SERIAL", "PRODUCT")
			for _, b := range bs {
				w.row(b.Path, b.ID, b.Mode, b.Serial, b.Product)
				if b.Problem != "" {
					w.note("cannot open: " + b.Problem)
				}
				for i, a := range b.Alts {
					w.note(fmt.Sprintf("alt %d: %s", i, strings.TrimSpace(a)))
				}
			}
			return w.flush()
		},
	}
}
