package dfuutil

import (
	"context"
	"strings"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/usb"
)

// found is an Interface with the device it belongs to.
type found struct {
	Interface
	info usb.DeviceInfo
}

// probe lists the DFU interface alternate settings of every device that the
// selection options accept, in dfu-util's order: it queues each match in
// front of the list, so the last alternate setting of the last device comes
// first.
func probe(ctx context.Context, host usb.Host, a *Args) ([]found, error) {
	devs, err := host.Devices(ctx)
	if err != nil {
		return nil, err
	}
	var out []found
	for _, info := range devs {
		if a.Path != "" && info.Path != a.Path {
			continue
		}
		for _, f := range interfacesOf(ctx, host, info) {
			if a.Matches(f.Interface) {
				out = append([]found{f}, out...)
			}
		}
	}
	return out, nil
}

// interfacesOf lists a device's DFU interface alternate settings with their
// names and the serial number, reading strings the backend did not supply
// from the device ("UNKNOWN" where there is none, as in dfu-util).
func interfacesOf(ctx context.Context, host usb.Host, info usb.DeviceInfo) []found {
	d := info.Descriptors
	var out []found
	var dev usb.Device
	defer func() {
		if dev != nil {
			dev.Close()
		}
	}()
	str := func(i uint8) string {
		if i == 0 {
			return "UNKNOWN"
		}
		if s, ok := d.Strings[i]; ok && s != "" {
			return ascii(s)
		}
		if dev == nil {
			var err error
			if dev, err = host.Open(ctx, info); err != nil {
				return "UNKNOWN"
			}
		}
		s, err := usb.ReadString(ctx, dev, i)
		if err != nil || s == "" {
			return "UNKNOWN"
		}
		return ascii(s)
	}
	for _, cfg := range d.Configs {
		for _, itf := range dfu.FindInterfaces(cfg) {
			fn := itf.Functional
			if !itf.HasFunctional {
				fn = dfu.Functional{Version: 0x0100}
			}
			dfuMode := itf.Protocol == dfu.ProtocolDFUMode || fn.Version == dfu.VersionDfuSe && itf.Protocol == 0
			for _, alt := range itf.Alts {
				out = append(out, found{Interface: Interface{
					DFU: dfuMode, Vendor: int(d.Device.Vendor), Product: int(d.Device.Product),
					BCDDevice: int(d.Device.Device), Devnum: info.Address, Bus: info.Bus,
					Config: int(cfg.Value), Interface: int(itf.Number), Alt: int(alt.Alternate),
					Name: str(alt.StringIndex), Serial: str(d.Device.SerialIndex), Path: info.Path,
					TransferSize: int(fn.TransferSize), DFUVersion: int(fn.Version), MultipleAlts: len(itf.Alts) > 0,
					MaxPacketSize0: int(d.Device.MaxPacketSize0), DetachTimeoutMS: int(fn.DetachTimeout),
					Attributes: int(fn.Attributes),
				}, info: info})
			}
		}
	}
	return out
}

// ascii turns a string into what dfu-util prints: characters beyond Latin-1
// become '?'.
func ascii(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xff {
			r = '?'
		}
		b.WriteByte(byte(r))
	}
	return b.String()
}
