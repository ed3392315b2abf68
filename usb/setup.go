package usb

import (
	"encoding/binary"
	"fmt"
)

// Bits of bmRequestType.
const (
	DirOut = 0x00
	DirIn  = 0x80

	TypeStandard = 0x00
	TypeClass    = 0x20
	TypeVendor   = 0x40
	typeMask     = 0x60

	RecipientDevice    = 0x00
	RecipientInterface = 0x01
	RecipientEndpoint  = 0x02
	recipientMask      = 0x1f
)

// Standard requests (USB 2.0 table 9-4).
const (
	ReqGetStatus        = 0
	ReqClearFeature     = 1
	ReqSetFeature       = 3
	ReqSetAddress       = 5
	ReqGetDescriptor    = 6
	ReqSetDescriptor    = 7
	ReqGetConfiguration = 8
	ReqSetConfiguration = 9
	ReqGetInterface     = 10
	ReqSetInterface     = 11
)

// Setup is the 8-byte SETUP packet of a control transfer.
type Setup struct {
	RequestType uint8
	Request     uint8
	Value       uint16
	Index       uint16
	Length      uint16
}

// In reports whether the data stage goes from device to host.
func (s Setup) In() bool { return s.RequestType&DirIn != 0 }

// Type returns the request type bits (TypeStandard, TypeClass or TypeVendor).
func (s Setup) Type() uint8 { return s.RequestType & typeMask }

// Recipient returns the recipient bits (RecipientDevice, RecipientInterface, ...).
func (s Setup) Recipient() uint8 { return s.RequestType & recipientMask }

// Marshal returns the packet as it travels on the bus (little-endian fields).
func (s Setup) Marshal() [8]byte {
	var b [8]byte
	b[0] = s.RequestType
	b[1] = s.Request
	binary.LittleEndian.PutUint16(b[2:], s.Value)
	binary.LittleEndian.PutUint16(b[4:], s.Index)
	binary.LittleEndian.PutUint16(b[6:], s.Length)
	return b
}

// ParseSetup decodes an 8-byte SETUP packet.
func ParseSetup(b []byte) (Setup, error) {
	if len(b) != 8 {
		return Setup{}, fmt.Errorf("usb: setup packet is %d bytes, want 8", len(b))
	}
	return Setup{
		RequestType: b[0],
		Request:     b[1],
		Value:       binary.LittleEndian.Uint16(b[2:]),
		Index:       binary.LittleEndian.Uint16(b[4:]),
		Length:      binary.LittleEndian.Uint16(b[6:]),
	}, nil
}

// String formats the packet for transcripts, for example
// "a1 03 0000 0000 0006".
func (s Setup) String() string {
	return fmt.Sprintf("%02x %02x %04x %04x %04x", s.RequestType, s.Request, s.Value, s.Index, s.Length)
}
