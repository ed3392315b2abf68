package usbip

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Basic is the first 20 bytes of every URB header.
type Basic struct {
	Command   uint32
	Seqnum    uint32
	DevID     uint32 // busnum<<16 | devnum in commands; 0 in replies
	Direction uint32 // DirOut or DirIn
	Ep        uint32 // endpoint number, without the direction bit
}

func (h Basic) append(b []byte) []byte {
	for _, v := range [...]uint32{h.Command, h.Seqnum, h.DevID, h.Direction, h.Ep} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func parseBasic(b []byte) Basic {
	return Basic{
		binary.BigEndian.Uint32(b[0:]), binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:]),
		binary.BigEndian.Uint32(b[12:]), binary.BigEndian.Uint32(b[16:]),
	}
}

// CmdSubmit is USBIP_CMD_SUBMIT: a URB from the client. For an OUT URB,
// Data (TransferBufferLength bytes) follows the header on the wire.
type CmdSubmit struct {
	Basic
	TransferFlags        uint32
	TransferBufferLength int32
	StartFrame           int32
	NumberOfPackets      int32 // NoISO (or 0) for everything but isochronous
	Interval             int32
	Setup                [8]byte // the SETUP packet as on the bus (little-endian fields)
	Data                 []byte
}

// Marshal encodes the header and, for OUT, the data.
func (c CmdSubmit) Marshal() []byte {
	c.Command = CmdSubmitCode
	b := c.Basic.append(make([]byte, 0, HeaderSize+len(c.Data)))
	b = binary.BigEndian.AppendUint32(b, c.TransferFlags)
	for _, v := range [...]int32{c.TransferBufferLength, c.StartFrame, c.NumberOfPackets, c.Interval} {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, c.Setup[:]...)
	if c.Direction == DirOut {
		b = append(b, c.Data...)
	}
	return b
}

// RetSubmit is USBIP_RET_SUBMIT: the completion of a URB. For an IN URB,
// Data (ActualLength bytes) follows the header on the wire.
type RetSubmit struct {
	Basic
	Status          int32 // 0 or a negative errno (EPIPE for a STALL)
	ActualLength    int32
	StartFrame      int32
	NumberOfPackets int32
	ErrorCount      int32
	Data            []byte
}

// Marshal encodes the header (8 bytes of padding at the end) and the IN data.
func (r RetSubmit) Marshal() []byte {
	r.Command = RetSubmitCode
	b := r.Basic.append(make([]byte, 0, HeaderSize+len(r.Data)))
	for _, v := range [...]int32{r.Status, r.ActualLength, r.StartFrame, r.NumberOfPackets, r.ErrorCount} {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	b = append(b, make([]byte, 8)...)
	return append(b, r.Data...)
}

// CmdUnlink is USBIP_CMD_UNLINK: cancel the URB with UnlinkSeqnum.
type CmdUnlink struct {
	Basic
	UnlinkSeqnum uint32
}

// Marshal encodes the 48-byte PDU (24 bytes of padding at the end).
func (c CmdUnlink) Marshal() []byte {
	c.Command = CmdUnlinkCode
	b := c.Basic.append(make([]byte, 0, HeaderSize))
	b = binary.BigEndian.AppendUint32(b, c.UnlinkSeqnum)
	return append(b, make([]byte, 24)...)
}

// RetUnlink is USBIP_RET_UNLINK. Status is ECONNRESET when the URB was
// cancelled (no RET_SUBMIT follows for it), 0 when it had already completed.
type RetUnlink struct {
	Basic
	Status int32
}

// Marshal encodes the 48-byte PDU (24 bytes of padding at the end).
func (r RetUnlink) Marshal() []byte {
	r.Command = RetUnlinkCode
	b := r.Basic.append(make([]byte, 0, HeaderSize))
	b = binary.BigEndian.AppendUint32(b, uint32(r.Status))
	return append(b, make([]byte, 24)...)
}

func checkLength(what string, n int32) error {
	if n < 0 || n > MaxTransferLength {
		return malformed("%s %d at byte 24 is outside 0..%d", what, n, MaxTransferLength)
	}
	return nil
}

// ReadCommand reads one PDU a server receives: a *CmdSubmit (with its OUT
// data) or a *CmdUnlink. Lengths above MaxTransferLength, isochronous URBs
// and unknown commands are errors wrapping ErrMalformed.
func ReadCommand(r io.Reader) (any, error) {
	var b [HeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("usbip: reading URB header: %w", err)
	}
	h := parseBasic(b[:])
	if h.Direction > DirIn {
		return nil, malformed("direction %d at byte 12 of URB %d, want 0 or 1", h.Direction, h.Seqnum)
	}
	if h.Ep > 15 {
		return nil, malformed("endpoint %d at byte 16 of URB %d, want 0..15", h.Ep, h.Seqnum)
	}
	switch h.Command {
	case CmdSubmitCode:
		c := &CmdSubmit{Basic: h}
		c.TransferFlags = binary.BigEndian.Uint32(b[20:])
		c.TransferBufferLength = int32(binary.BigEndian.Uint32(b[24:]))
		c.StartFrame = int32(binary.BigEndian.Uint32(b[28:]))
		c.NumberOfPackets = int32(binary.BigEndian.Uint32(b[32:]))
		c.Interval = int32(binary.BigEndian.Uint32(b[36:]))
		copy(c.Setup[:], b[40:48])
		if err := checkLength("transfer_buffer_length", c.TransferBufferLength); err != nil {
			return nil, fmt.Errorf("URB %d: %w", h.Seqnum, err)
		}
		if c.NumberOfPackets != NoISO && c.NumberOfPackets != 0 {
			return nil, malformed("URB %d is isochronous (number_of_packets %d at byte 32), which is not supported", h.Seqnum, c.NumberOfPackets)
		}
		if h.Direction == DirOut && c.TransferBufferLength > 0 {
			c.Data = make([]byte, c.TransferBufferLength)
			if _, err := io.ReadFull(r, c.Data); err != nil {
				return nil, fmt.Errorf("usbip: reading %d OUT bytes of URB %d: %w", len(c.Data), h.Seqnum, err)
			}
		}
		return c, nil
	case CmdUnlinkCode:
		return &CmdUnlink{Basic: h, UnlinkSeqnum: binary.BigEndian.Uint32(b[20:])}, nil
	default:
		return nil, malformed("command %#x at byte 0, want CMD_SUBMIT (1) or CMD_UNLINK (2)", h.Command)
	}
}

// ReadReturn reads one PDU a client receives: a *RetSubmit or a *RetUnlink.
// Replies do not say their direction (Linux sends 0), so isIn reports whether
// the URB with a given seqnum was an IN URB, whose data follows the header.
func ReadReturn(r io.Reader, isIn func(seqnum uint32) bool) (any, error) {
	var b [HeaderSize]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return nil, fmt.Errorf("usbip: reading URB header: %w", err)
	}
	h := parseBasic(b[:])
	switch h.Command {
	case RetSubmitCode:
		s := &RetSubmit{Basic: h}
		s.Status = int32(binary.BigEndian.Uint32(b[20:]))
		s.ActualLength = int32(binary.BigEndian.Uint32(b[24:]))
		s.StartFrame = int32(binary.BigEndian.Uint32(b[28:]))
		s.NumberOfPackets = int32(binary.BigEndian.Uint32(b[32:]))
		s.ErrorCount = int32(binary.BigEndian.Uint32(b[36:]))
		if err := checkLength("actual_length", s.ActualLength); err != nil {
			return nil, fmt.Errorf("URB %d: %w", h.Seqnum, err)
		}
		if s.NumberOfPackets > 0 {
			return nil, malformed("URB %d is isochronous (number_of_packets %d at byte 32), which is not supported", h.Seqnum, s.NumberOfPackets)
		}
		if s.ActualLength > 0 && isIn(h.Seqnum) {
			s.Data = make([]byte, s.ActualLength)
			if _, err := io.ReadFull(r, s.Data); err != nil {
				return nil, fmt.Errorf("usbip: reading %d IN bytes of URB %d: %w", len(s.Data), h.Seqnum, err)
			}
		}
		return s, nil
	case RetUnlinkCode:
		return &RetUnlink{Basic: h, Status: int32(binary.BigEndian.Uint32(b[20:]))}, nil
	default:
		return nil, malformed("command %#x at byte 0, want RET_SUBMIT (3) or RET_UNLINK (4)", h.Command)
	}
}
