package usb

import (
	"encoding/binary"
	"fmt"
)

// ReadDescriptors reads a device's descriptors with GET_DESCRIPTOR
// requests sent through get: the device descriptor, the first
// configuration, and the strings they and the interfaces' alternate
// settings name (US English). Strings the device will not give are left
// out. Backends that cannot read descriptors without opening a device
// (or that read them through a hub) use it to fill DeviceInfo.
func ReadDescriptors(get func(s Setup, data []byte) (int, error)) (Descriptors, error) {
	var d Descriptors
	read := func(typ, index uint8, lang uint16, size int) ([]byte, error) {
		buf := make([]byte, size)
		s := Setup{RequestType: DirIn, Request: ReqGetDescriptor, Value: uint16(typ)<<8 | uint16(index), Index: lang, Length: uint16(size)}
		k, err := get(s, buf)
		if err != nil {
			return nil, err
		}
		return buf[:min(max(k, 0), size)], nil
	}
	b, err := read(DescDevice, 0, 0, 18)
	if err != nil {
		return d, fmt.Errorf("reading the device descriptor: %w", err)
	}
	if d.Device, err = ParseDeviceDescriptor(b); err != nil {
		return d, err
	}
	if d.Device.NumConfigurations > 0 {
		head, err := read(DescConfiguration, 0, 0, 9)
		if err != nil {
			return d, fmt.Errorf("reading the configuration descriptor: %w", err)
		}
		if len(head) < 4 {
			return d, fmt.Errorf("usb: configuration descriptor of %d bytes", len(head))
		}
		full, err := read(DescConfiguration, 0, 0, int(binary.LittleEndian.Uint16(head[2:])))
		if err != nil {
			return d, fmt.Errorf("reading the configuration descriptor: %w", err)
		}
		c, err := ParseConfigDescriptor(full)
		if err != nil {
			return d, err
		}
		d.Configs = []ConfigDescriptor{c}
	}
	d.Strings = map[uint8]string{}
	for _, i := range stringIndexes(d) {
		b, err := read(DescString, i, LangEnglishUS, 255)
		if err != nil {
			continue
		}
		if s, err := ParseString(b); err == nil {
			d.Strings[i] = s
		}
	}
	return d, nil
}

// stringIndexes lists the string descriptors d refers to, each once.
func stringIndexes(d Descriptors) []uint8 {
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

// InDFUMode reports whether d has a DFU interface in DFU mode (class 0xfe,
// subclass 1, protocol 2), as the STM32 ROM bootloader has. Without
// configuration descriptors it goes by the ROM's ID, 0483:df11.
func InDFUMode(d Descriptors) bool {
	for _, c := range d.Configs {
		for _, i := range c.Interfaces {
			if i.Class == 0xfe && i.SubClass == 1 && i.Protocol == 2 {
				return true
			}
		}
	}
	return len(d.Configs) == 0 && d.Device.Vendor == 0x0483 && d.Device.Product == 0xdf11
}
