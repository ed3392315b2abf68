package usb

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Descriptor types.
const (
	DescDevice         = 0x01
	DescConfiguration  = 0x02
	DescString         = 0x03
	DescInterface      = 0x04
	DescEndpoint       = 0x05
	DescInterfaceAssoc = 0x0b
	// DescDFUFunctional is the DFU functional descriptor (DFU 1.1 table 4.2).
	DescDFUFunctional = 0x21
	// DescCSInterface is a class-specific interface descriptor (CDC).
	DescCSInterface = 0x24
)

// LangEnglishUS is the language ID every device model here uses for strings.
const LangEnglishUS = 0x0409

// DeviceDescriptor is the 18-byte standard device descriptor.
type DeviceDescriptor struct {
	USB               uint16 // bcdUSB
	Class             uint8
	SubClass          uint8
	Protocol          uint8
	MaxPacketSize0    uint8
	Vendor            uint16
	Product           uint16
	Device            uint16 // bcdDevice
	ManufacturerIndex uint8
	ProductIndex      uint8
	SerialIndex       uint8
	NumConfigurations uint8
}

// Marshal encodes the descriptor.
func (d DeviceDescriptor) Marshal() []byte {
	b := make([]byte, 18)
	b[0], b[1] = 18, DescDevice
	binary.LittleEndian.PutUint16(b[2:], d.USB)
	b[4], b[5], b[6], b[7] = d.Class, d.SubClass, d.Protocol, d.MaxPacketSize0
	binary.LittleEndian.PutUint16(b[8:], d.Vendor)
	binary.LittleEndian.PutUint16(b[10:], d.Product)
	binary.LittleEndian.PutUint16(b[12:], d.Device)
	b[14], b[15], b[16], b[17] = d.ManufacturerIndex, d.ProductIndex, d.SerialIndex, d.NumConfigurations
	return b
}

// ParseDeviceDescriptor decodes a device descriptor.
func ParseDeviceDescriptor(b []byte) (DeviceDescriptor, error) {
	if len(b) < 18 || b[0] < 18 || b[1] != DescDevice {
		return DeviceDescriptor{}, fmt.Errorf("usb: malformed device descriptor (% x)", b[:min(len(b), 18)])
	}
	return DeviceDescriptor{
		USB: binary.LittleEndian.Uint16(b[2:]), Class: b[4], SubClass: b[5], Protocol: b[6],
		MaxPacketSize0: b[7], Vendor: binary.LittleEndian.Uint16(b[8:]),
		Product: binary.LittleEndian.Uint16(b[10:]), Device: binary.LittleEndian.Uint16(b[12:]),
		ManufacturerIndex: b[14], ProductIndex: b[15], SerialIndex: b[16], NumConfigurations: b[17],
	}, nil
}

// EndpointDescriptor is a standard endpoint descriptor.
type EndpointDescriptor struct {
	Address       uint8 // bit 7 set = IN
	Attributes    uint8 // transfer type in bits 0-1
	MaxPacketSize uint16
	Interval      uint8
}

// Transfer types (EndpointDescriptor.Attributes & 3).
const (
	TransferControl     = 0
	TransferIsochronous = 1
	TransferBulk        = 2
	TransferInterrupt   = 3
)

// InterfaceDescriptor is one alternate setting of an interface, with the
// class-specific descriptors that follow it (Extra, each a whole descriptor)
// and its endpoints.
type InterfaceDescriptor struct {
	Number      uint8
	Alternate   uint8
	Class       uint8
	SubClass    uint8
	Protocol    uint8
	StringIndex uint8
	Extra       [][]byte
	Endpoints   []EndpointDescriptor
}

// ConfigDescriptor is a configuration with every interface alternate setting in
// the order they appear on the wire. Extra holds descriptors that come before
// the first interface (for example interface association descriptors).
type ConfigDescriptor struct {
	Value       uint8
	StringIndex uint8
	Attributes  uint8
	MaxPower    uint8 // in 2 mA units
	Extra       [][]byte
	Interfaces  []InterfaceDescriptor
}

// NumInterfaces counts distinct interface numbers.
func (c ConfigDescriptor) NumInterfaces() int {
	seen := map[uint8]bool{}
	for _, i := range c.Interfaces {
		seen[i.Number] = true
	}
	return len(seen)
}

// Marshal encodes the whole configuration (wTotalLength bytes).
func (c ConfigDescriptor) Marshal() []byte {
	b := make([]byte, 9, 64)
	b[0], b[1] = 9, DescConfiguration
	b[4], b[5], b[6], b[7], b[8] = uint8(c.NumInterfaces()), c.Value, c.StringIndex, c.Attributes, c.MaxPower
	for _, x := range c.Extra {
		b = append(b, x...)
	}
	for _, i := range c.Interfaces {
		b = append(b, 9, DescInterface, i.Number, i.Alternate, uint8(len(i.Endpoints)), i.Class, i.SubClass, i.Protocol, i.StringIndex)
		for _, x := range i.Extra {
			b = append(b, x...)
		}
		for _, e := range i.Endpoints {
			b = append(b, 7, DescEndpoint, e.Address, e.Attributes, byte(e.MaxPacketSize), byte(e.MaxPacketSize>>8), e.Interval)
		}
	}
	binary.LittleEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// ParseConfigDescriptor decodes a whole configuration as returned by
// GET_DESCRIPTOR(CONFIGURATION) with wLength >= wTotalLength. Bytes after
// wTotalLength are ignored.
func ParseConfigDescriptor(b []byte) (ConfigDescriptor, error) {
	if len(b) < 9 || b[0] < 9 || b[1] != DescConfiguration {
		return ConfigDescriptor{}, fmt.Errorf("usb: malformed configuration descriptor header (% x)", b[:min(len(b), 9)])
	}
	total := int(binary.LittleEndian.Uint16(b[2:]))
	if total < int(b[0]) || total > len(b) {
		return ConfigDescriptor{}, fmt.Errorf("usb: configuration wTotalLength %d does not fit %d bytes", total, len(b))
	}
	c := ConfigDescriptor{Value: b[5], StringIndex: b[6], Attributes: b[7], MaxPower: b[8]}
	rest := b[b[0]:total]
	var cur *InterfaceDescriptor
	for off := int(b[0]); len(rest) > 0; {
		n := int(rest[0])
		if n < 2 || n > len(rest) {
			return ConfigDescriptor{}, fmt.Errorf("usb: descriptor at offset %d has bad length %d", off, n)
		}
		d := rest[:n]
		switch d[1] {
		case DescInterface:
			if n < 9 {
				return ConfigDescriptor{}, fmt.Errorf("usb: interface descriptor at offset %d is %d bytes, want 9", off, n)
			}
			c.Interfaces = append(c.Interfaces, InterfaceDescriptor{
				Number: d[2], Alternate: d[3], Class: d[5], SubClass: d[6], Protocol: d[7], StringIndex: d[8],
			})
			cur = &c.Interfaces[len(c.Interfaces)-1]
		case DescEndpoint:
			if n < 7 || cur == nil {
				return ConfigDescriptor{}, fmt.Errorf("usb: stray or short endpoint descriptor at offset %d", off)
			}
			cur.Endpoints = append(cur.Endpoints, EndpointDescriptor{
				Address: d[2], Attributes: d[3], MaxPacketSize: binary.LittleEndian.Uint16(d[4:]), Interval: d[6],
			})
		default:
			x := append([]byte(nil), d...)
			if cur == nil {
				c.Extra = append(c.Extra, x)
			} else {
				cur.Extra = append(cur.Extra, x)
			}
		}
		rest = rest[n:]
		off += n
	}
	return c, nil
}

// EncodeString encodes a string descriptor (UTF-16LE). Index 0 is the
// language list and is encoded by EncodeLanguages instead.
func EncodeString(s string) []byte {
	u := utf16.Encode([]rune(s))
	if len(u) > 126 {
		u = u[:126]
	}
	b := make([]byte, 2+2*len(u))
	b[0], b[1] = byte(len(b)), DescString
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2+2*i:], r)
	}
	return b
}

// EncodeLanguages encodes string descriptor 0, the list of language IDs.
func EncodeLanguages(langs ...uint16) []byte {
	b := make([]byte, 2+2*len(langs))
	b[0], b[1] = byte(len(b)), DescString
	for i, l := range langs {
		binary.LittleEndian.PutUint16(b[2+2*i:], l)
	}
	return b
}

// ParseString decodes a string descriptor.
func ParseString(b []byte) (string, error) {
	if len(b) < 2 || b[1] != DescString || b[0] < 2 || int(b[0]) > len(b) || b[0]%2 != 0 {
		return "", fmt.Errorf("usb: malformed string descriptor (% x)", b[:min(len(b), 8)])
	}
	n := (int(b[0]) - 2) / 2
	u := make([]uint16, n)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2+2*i:])
	}
	return string(utf16.Decode(u)), nil
}

// Descriptors is the complete descriptor set of a device as a host sees it:
// the device descriptor, its configurations and its strings by index.
type Descriptors struct {
	Device  DeviceDescriptor
	Configs []ConfigDescriptor
	Strings map[uint8]string
}

// String returns string descriptor i, or "" if the device has none.
func (d *Descriptors) String(i uint8) string {
	if i == 0 || d.Strings == nil {
		return ""
	}
	return d.Strings[i]
}

// Serial returns the iSerialNumber string.
func (d *Descriptors) Serial() string { return d.String(d.Device.SerialIndex) }

// ProductName returns the iProduct string.
func (d *Descriptors) ProductName() string { return d.String(d.Device.ProductIndex) }

// Manufacturer returns the iManufacturer string.
func (d *Descriptors) Manufacturer() string { return d.String(d.Device.ManufacturerIndex) }

// Answer returns the bytes of a GET_DESCRIPTOR request for this descriptor
// set (already cut to setup.Length), or false if the device has no such
// descriptor, in which case a device stalls.
func (d *Descriptors) Answer(s Setup) ([]byte, bool) {
	typ, idx := uint8(s.Value>>8), uint8(s.Value)
	var b []byte
	switch typ {
	case DescDevice:
		b = d.Device.Marshal()
	case DescConfiguration:
		if int(idx) >= len(d.Configs) {
			return nil, false
		}
		b = d.Configs[idx].Marshal()
	case DescString:
		if idx == 0 {
			b = EncodeLanguages(LangEnglishUS)
		} else {
			str, ok := d.Strings[idx]
			if !ok {
				return nil, false
			}
			b = EncodeString(str)
		}
	default:
		return nil, false
	}
	if len(b) > int(s.Length) {
		b = b[:s.Length]
	}
	return b, true
}

// UTF8FromUTF16 recovers a string a device sent as UTF-8 bytes in a string
// descriptor (GigaDevice's GD32 ROM does, for its serial) from what a
// UTF-16LE decoder made of them: the code units are put back into bytes,
// trailing NULs (the pad of an odd length) dropped, and the bytes read as
// UTF-8, invalid sequences replaced by U+FFFD. Byte pairs that made a
// lone surrogate were lost by the decoder already (they come back as
// U+FFFD); ASCII, as in every such serial we know of, always survives.
func UTF8FromUTF16(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return strings.ToValidUTF8(strings.TrimRight(string(b), "\x00"), "\uFFFD")
}

// UTF16FromUTF8 is what a UTF-16LE decoder makes of the UTF-8 bytes of s
// sent as a string descriptor (a device's view for simulating such a ROM):
// UTF8FromUTF16(UTF16FromUTF8(s)) == s for ASCII without trailing NULs.
func UTF16FromUTF8(s string) string {
	b := []byte(s)
	if len(b)%2 != 0 {
		b = append(b, 0)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
