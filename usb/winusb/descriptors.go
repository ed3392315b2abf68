package winusb

import (
	"encoding/binary"
	"fmt"

	"github.com/softdfu/softdfu/usb"
)

// readDescriptors reads a device's descriptors through its parent hub:
// the device descriptor, the first configuration, and the strings they
// and the interfaces' alternate settings name (US English).
func readDescriptors(sys system, n node) (usb.Descriptors, error) {
	var d usb.Descriptors
	get := func(typ, index uint8, lang uint16, size int) ([]byte, error) {
		buf := make([]byte, size)
		s := usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: uint16(typ)<<8 | uint16(index), Index: lang, Length: uint16(size)}
		k, err := sys.hubControl(n, s, buf)
		if err != nil {
			return nil, err
		}
		return buf[:min(k, size)], nil
	}
	b, err := get(usb.DescDevice, 0, 0, 18)
	if err != nil {
		return d, err
	}
	if d.Device, err = usb.ParseDeviceDescriptor(b); err != nil {
		return d, err
	}
	if d.Device.NumConfigurations > 0 {
		head, err := get(usb.DescConfiguration, 0, 0, 9)
		if err != nil {
			return d, err
		}
		if len(head) < 4 {
			return d, fmt.Errorf("configuration descriptor of %d bytes", len(head))
		}
		full, err := get(usb.DescConfiguration, 0, 0, int(binary.LittleEndian.Uint16(head[2:])))
		if err != nil {
			return d, err
		}
		c, err := usb.ParseConfigDescriptor(full)
		if err != nil {
			return d, err
		}
		d.Configs = []usb.ConfigDescriptor{c}
	}
	d.Strings = map[uint8]string{}
	for _, i := range stringIndexes(d) {
		b, err := get(usb.DescString, i, usb.LangEnglishUS, 255)
		if err != nil {
			continue // a string the device will not give is left out
		}
		if s, err := usb.ParseString(b); err == nil {
			d.Strings[i] = s
		}
	}
	return d, nil
}

// stringIndexes lists the string descriptors d refers to, each once.
func stringIndexes(d usb.Descriptors) []uint8 {
	var out []uint8
	seen := map[uint8]bool{0: true}
	add := func(i uint8) {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	add(d.Device.ManufacturerIndex)
	add(d.Device.ProductIndex)
	add(d.Device.SerialIndex)
	for _, c := range d.Configs {
		add(c.StringIndex)
		for _, itf := range c.Interfaces {
			add(itf.StringIndex)
		}
	}
	return out
}

// needsWinUSB reports whether softdfu talks to the device itself: it has
// a DFU interface in DFU mode (class 0xfe, subclass 1, protocol 2), as the
// ROM bootloader has.
func needsWinUSB(d usb.Descriptors) bool {
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class == 0xfe && i.SubClass == 1 && i.Protocol == 2 {
				return true
			}
		}
	}
	return len(d.Configs) == 0 && d.Device.Vendor == 0x0483 && d.Device.Product == 0xdf11
}
