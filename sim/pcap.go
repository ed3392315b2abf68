package sim

import (
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// A pcap capture of the simulated bus in the format of Linux usbmon, so that
// Wireshark (and tshark, tcpdump) decode the control transfers and their DFU
// payloads as if captured on a Linux host with `usbmon`.
//
// File format: classic pcap (magic 0xA1B2C3D4, version 2.4), link type
// LINKTYPE_USB_LINUX_MMAPPED (220). Each record is a 64-byte usbmon header
// (struct mon_bin_hdr of drivers/usb/mon/mon_bin.c, host byte order, here
// little-endian) followed by the captured data:
//
//	 0 u64 id          URB identifier, the same in submission and completion
//	 8 u8  type        'S' submission, 'C' completion
//	 9 u8  xfer_type   2 = control
//	10 u8  epnum       endpoint, bit 7 = IN
//	11 u8  devnum      device address
//	12 u16 busnum
//	14 u8  flag_setup  0 when setup[] holds the SETUP packet, '-' otherwise
//	15 u8  flag_data   0 when data follows, '<' or '>' otherwise
//	16 s64 ts_sec
//	24 s32 ts_usec
//	28 s32 status      -EINPROGRESS on submission; 0 or -errno on completion
//	32 u32 length      URB transfer length
//	36 u32 len_cap     bytes of data in this record
//	40 u8  setup[8]
//	48 s32 interval    52 s32 start_frame   56 u32 xfer_flags   60 u32 ndesc
//
// Timestamps are the board's simulated time from the epoch 2026-01-01 UTC.
const (
	linktypeUSBLinuxMmapped = 220
	usbmonHeaderLen         = 64
	pcapSnapLen             = 65535
	errnoEINPROGRESS        = 115
	errnoEPIPE              = 32
	errnoEPROTO             = 71
)

// pcapWriter writes usbmon records; the World serialises calls.
type pcapWriter struct {
	w      io.Writer
	nextID uint64
	err    error // the first write error; later records are dropped
}

func newPcapWriter(w io.Writer) *pcapWriter {
	p := &pcapWriter{w: w, nextID: 1}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xA1B2C3D4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], pcapSnapLen)
	binary.LittleEndian.PutUint32(h[20:], linktypeUSBLinuxMmapped)
	_, p.err = w.Write(h[:])
	return p
}

// control records one control transfer as a submission and a completion.
// start and end are when it began and ended on the bus.
func (p *pcapWriter) control(bus, dev int, s usb.Setup, out, in []byte, err error, start, end time.Time) {
	id := p.nextID
	p.nextID++
	ep := byte(0)
	if s.In() {
		ep = 0x80
	}
	setup := s.Marshal()
	// Submission: the SETUP packet, and the OUT data if any.
	sub := usbmonHeader{id: id, typ: 'S', ep: ep, dev: dev, bus: bus, ts: start,
		status: -errnoEINPROGRESS, length: uint32(s.Length), setup: &setup}
	if s.In() {
		sub.flagData = '<'
	} else {
		sub.data = out
		if len(out) == 0 {
			sub.flagData = '>'
		}
	}
	p.record(sub)
	// Completion: the status, and the IN data if any.
	done := usbmonHeader{id: id, typ: 'C', ep: ep, dev: dev, bus: bus, ts: end, status: errnoOf(err)}
	if s.In() {
		done.length, done.data = uint32(len(in)), in
		if len(in) == 0 {
			done.flagData = '<'
		}
	} else {
		done.length, done.flagData = uint32(len(out)), '>'
	}
	if err != nil {
		done.length = 0
		done.data = nil
	}
	p.record(done)
}

// errnoOf maps a gadget error to the URB status Linux would report.
func errnoOf(err error) int32 {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, usb.ErrStall):
		return -errnoEPIPE
	}
	return -errnoEPROTO
}

type usbmonHeader struct {
	id       uint64
	typ      byte
	ep       byte
	dev, bus int
	flagData byte
	ts       time.Time
	status   int32
	length   uint32
	setup    *[8]byte
	data     []byte
}

func (p *pcapWriter) record(h usbmonHeader) {
	if p.err != nil {
		return
	}
	n := usbmonHeaderLen + len(h.data)
	b := make([]byte, 16+n)
	ts := h.ts
	binary.LittleEndian.PutUint32(b[0:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(b[4:], uint32(ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(b[8:], uint32(n))
	binary.LittleEndian.PutUint32(b[12:], uint32(n))
	m := b[16:]
	binary.LittleEndian.PutUint64(m[0:], h.id)
	m[8], m[9], m[10], m[11] = h.typ, 2, h.ep, byte(h.dev)
	binary.LittleEndian.PutUint16(m[12:], uint16(h.bus))
	m[14] = '-'
	if h.setup != nil {
		m[14] = 0
		copy(m[40:48], h.setup[:])
	}
	m[15] = h.flagData
	binary.LittleEndian.PutUint64(m[16:], uint64(ts.Unix()))
	binary.LittleEndian.PutUint32(m[24:], uint32(ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(m[28:], uint32(h.status))
	binary.LittleEndian.PutUint32(m[32:], h.length)
	binary.LittleEndian.PutUint32(m[36:], uint32(len(h.data)))
	copy(m[usbmonHeaderLen:], h.data)
	_, p.err = p.w.Write(b)
}
