package usbip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version carried by every OP_* message (1.1.1).
const Version = 0x0111

// Operation codes of the OP_* messages that precede an import.
const (
	OpReqDevlist = 0x8005
	OpRepDevlist = 0x0005
	OpReqImport  = 0x8003
	OpRepImport  = 0x0003
)

// Status values of OP_REP_* messages (tools/usb/usbip/libsrc/usbip_common.h).
const (
	StatusOK      = 0 // request completed
	StatusNA      = 1 // request failed
	StatusDevBusy = 2 // device busy (exported to another client)
	StatusDevErr  = 3 // device in error
	StatusNoDev   = 4 // no such device
	StatusError   = 5 // unexpected response
)

// URB commands (the first word of every 48-byte URB header).
const (
	CmdSubmitCode = 1
	CmdUnlinkCode = 2
	RetSubmitCode = 3
	RetUnlinkCode = 4
)

// Directions of the URB header.
const (
	DirOut = 0
	DirIn  = 1
)

// Errno values carried in RET_SUBMIT and RET_UNLINK status fields (Linux).
const (
	ENODEV     = -19
	EPIPE      = -32  // the endpoint stalled
	EPROTO     = -71  // protocol error
	ECONNRESET = -104 // URB unlinked
	ESHUTDOWN  = -108
	ETIMEDOUT  = -110
)

// Sizes of the fixed parts of the messages.
const (
	HeaderSize       = 48  // every URB PDU header
	opCommonSize     = 8   // version, code, status
	pathSize         = 256 // sysfs path field
	busIDSize        = 32  // bus ID field
	DeviceRecordSize = 312 // one exported device without its interfaces
	interfaceSize    = 4
	// NoISO is number_of_packets for a transfer that is not isochronous.
	NoISO = -1
)

// Limits the decoders enforce so that a peer cannot make us allocate much.
const (
	// MaxTransferLength bounds transfer_buffer_length and actual_length.
	MaxTransferLength = 1 << 20
	// MaxDevices bounds the device count of OP_REP_DEVLIST.
	MaxDevices = 1024
)

// ErrMalformed is wrapped by every decoding error: the peer sent bytes
// that are not a valid USB/IP message, and the connection must be dropped.
var ErrMalformed = errors.New("usbip: malformed message")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, a...)...)
}

// OpHeader is the 8-byte common header of OP_* messages.
type OpHeader struct {
	Version uint16
	Code    uint16
	Status  uint32
}

func (h OpHeader) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, h.Version)
	b = binary.BigEndian.AppendUint16(b, h.Code)
	return binary.BigEndian.AppendUint32(b, h.Status)
}

// Marshal encodes the header alone (OP_REQ_DEVLIST, or an error reply).
func (h OpHeader) Marshal() []byte { return h.append(nil) }

// ReadOpHeader reads an OP_* common header. It checks the version.
func ReadOpHeader(r io.Reader) (OpHeader, error) {
	var b [opCommonSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return OpHeader{}, fmt.Errorf("usbip: reading operation header: %w", err)
	}
	h := OpHeader{binary.BigEndian.Uint16(b[0:]), binary.BigEndian.Uint16(b[2:]), binary.BigEndian.Uint32(b[4:])}
	if h.Version != Version {
		return h, malformed("protocol version %#04x at byte 0, want %#04x", h.Version, Version)
	}
	return h, nil
}

// Interface is the class triple of one interface in OP_REP_DEVLIST.
type Interface struct {
	Class, SubClass, Protocol uint8
}

// Device is the 312-byte exported-device record of OP_REP_DEVLIST and
// OP_REP_IMPORT. Interfaces follow it in OP_REP_DEVLIST only.
type Device struct {
	Path               string // sysfs path, at most 255 bytes
	BusID              string // "1-1", at most 31 bytes
	BusNum, DevNum     uint32
	Speed              uint32 // 1 low, 2 full, 3 high
	Vendor, Product    uint16
	BCDDevice          uint16
	Class, SubClass    uint8
	Protocol           uint8
	ConfigurationValue uint8
	NumConfigurations  uint8
	NumInterfaces      uint8
	Interfaces         []Interface // OP_REP_DEVLIST only, NumInterfaces long
}

// DevID is the devid field URB headers carry for this device.
func (d Device) DevID() uint32 { return d.BusNum<<16 | d.DevNum&0xffff }

func appendFixed(b []byte, s string, n int) []byte {
	if len(s) > n-1 {
		s = s[:n-1]
	}
	b = append(b, s...)
	return append(b, make([]byte, n-len(s))...)
}

func (d Device) append(b []byte, withInterfaces bool) []byte {
	b = appendFixed(b, d.Path, pathSize)
	b = appendFixed(b, d.BusID, busIDSize)
	b = binary.BigEndian.AppendUint32(b, d.BusNum)
	b = binary.BigEndian.AppendUint32(b, d.DevNum)
	b = binary.BigEndian.AppendUint32(b, d.Speed)
	b = binary.BigEndian.AppendUint16(b, d.Vendor)
	b = binary.BigEndian.AppendUint16(b, d.Product)
	b = binary.BigEndian.AppendUint16(b, d.BCDDevice)
	b = append(b, d.Class, d.SubClass, d.Protocol, d.ConfigurationValue, d.NumConfigurations, d.NumInterfaces)
	if withInterfaces {
		for i := 0; i < int(d.NumInterfaces); i++ {
			var x Interface
			if i < len(d.Interfaces) {
				x = d.Interfaces[i]
			}
			b = append(b, x.Class, x.SubClass, x.Protocol, 0)
		}
	}
	return b
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func readDevice(r io.Reader, withInterfaces bool) (Device, error) {
	var b [DeviceRecordSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Device{}, fmt.Errorf("usbip: reading device record: %w", err)
	}
	d := Device{
		Path:  cString(b[:pathSize]),
		BusID: cString(b[pathSize : pathSize+busIDSize]),
	}
	p := b[pathSize+busIDSize:]
	d.BusNum = binary.BigEndian.Uint32(p[0:])
	d.DevNum = binary.BigEndian.Uint32(p[4:])
	d.Speed = binary.BigEndian.Uint32(p[8:])
	d.Vendor = binary.BigEndian.Uint16(p[12:])
	d.Product = binary.BigEndian.Uint16(p[14:])
	d.BCDDevice = binary.BigEndian.Uint16(p[16:])
	d.Class, d.SubClass, d.Protocol = p[18], p[19], p[20]
	d.ConfigurationValue, d.NumConfigurations, d.NumInterfaces = p[21], p[22], p[23]
	if withInterfaces && d.NumInterfaces > 0 {
		ib := make([]byte, interfaceSize*int(d.NumInterfaces))
		if _, err := io.ReadFull(r, ib); err != nil {
			return Device{}, fmt.Errorf("usbip: reading %d interface records of %s: %w", d.NumInterfaces, d.BusID, err)
		}
		for i := 0; i < len(ib); i += interfaceSize {
			d.Interfaces = append(d.Interfaces, Interface{ib[i], ib[i+1], ib[i+2]})
		}
	}
	return d, nil
}

// DevlistRequest encodes OP_REQ_DEVLIST.
func DevlistRequest() []byte { return OpHeader{Version, OpReqDevlist, 0}.Marshal() }

// DevlistReply is OP_REP_DEVLIST.
type DevlistReply struct {
	Status  uint32
	Devices []Device
}

// Marshal encodes the reply: header, count, then each device record followed
// by its interface records.
func (r DevlistReply) Marshal() []byte {
	b := OpHeader{Version, OpRepDevlist, r.Status}.append(nil)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Devices)))
	for _, d := range r.Devices {
		b = d.append(b, true)
	}
	return b
}

// ReadDevlistReply reads OP_REP_DEVLIST (header included).
func ReadDevlistReply(r io.Reader) (DevlistReply, error) {
	h, err := ReadOpHeader(r)
	if err != nil {
		return DevlistReply{}, err
	}
	if h.Code != OpRepDevlist {
		return DevlistReply{}, malformed("reply code %#04x, want OP_REP_DEVLIST %#04x", h.Code, OpRepDevlist)
	}
	rep := DevlistReply{Status: h.Status}
	if h.Status != StatusOK {
		return rep, nil
	}
	var nb [4]byte
	if _, err := io.ReadFull(r, nb[:]); err != nil {
		return rep, fmt.Errorf("usbip: reading device count: %w", err)
	}
	n := binary.BigEndian.Uint32(nb[:])
	if n > MaxDevices {
		return rep, malformed("device count %d at byte 8 exceeds %d", n, MaxDevices)
	}
	for i := uint32(0); i < n; i++ {
		d, err := readDevice(r, true)
		if err != nil {
			return rep, fmt.Errorf("device %d of %d: %w", i, n, err)
		}
		rep.Devices = append(rep.Devices, d)
	}
	return rep, nil
}

// ImportRequest is OP_REQ_IMPORT.
type ImportRequest struct {
	BusID string
}

// Marshal encodes the request (40 bytes).
func (q ImportRequest) Marshal() []byte {
	return appendFixed(OpHeader{Version, OpReqImport, 0}.append(nil), q.BusID, busIDSize)
}

// ReadImportBody reads the busid that follows an OP_REQ_IMPORT header.
func ReadImportBody(r io.Reader) (ImportRequest, error) {
	var b [busIDSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return ImportRequest{}, fmt.Errorf("usbip: reading import bus ID: %w", err)
	}
	return ImportRequest{BusID: cString(b[:])}, nil
}

// ImportReply is OP_REP_IMPORT. The device record is present only when
// Status is StatusOK.
type ImportReply struct {
	Status uint32
	Device Device
}

// Marshal encodes the reply: 8 bytes on error, 320 on success.
func (r ImportReply) Marshal() []byte {
	b := OpHeader{Version, OpRepImport, r.Status}.append(nil)
	if r.Status == StatusOK {
		b = r.Device.append(b, false)
	}
	return b
}

// ReadImportReply reads OP_REP_IMPORT (header included).
func ReadImportReply(r io.Reader) (ImportReply, error) {
	h, err := ReadOpHeader(r)
	if err != nil {
		return ImportReply{}, err
	}
	if h.Code != OpRepImport {
		return ImportReply{}, malformed("reply code %#04x, want OP_REP_IMPORT %#04x", h.Code, OpRepImport)
	}
	rep := ImportReply{Status: h.Status}
	if h.Status != StatusOK {
		return rep, nil
	}
	rep.Device, err = readDevice(r, false)
	return rep, err
}
