package sim_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/softdfu/softdfu/sim"
)

// usbmonRecord is one record of a LINKTYPE_USB_LINUX_MMAPPED capture.
type usbmonRecord struct {
	id                  uint64
	typ, xfer, ep, dev  byte
	bus                 uint16
	flagSetup, flagData byte
	sec                 int64
	usec                int32
	status              int32
	length, capLen      uint32
	setup               [8]byte
	data                []byte
}

func parsePcap(t *testing.T, b []byte) []usbmonRecord {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 24 || le.Uint32(b) != 0xA1B2C3D4 || le.Uint16(b[4:]) != 2 || le.Uint16(b[6:]) != 4 || le.Uint32(b[20:]) != 220 {
		t.Fatalf("pcap global header % x", b[:min(24, len(b))])
	}
	var out []usbmonRecord
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			t.Fatalf("truncated record header at byte %d", off)
		}
		incl, orig := int(le.Uint32(b[off+8:])), int(le.Uint32(b[off+12:]))
		if incl != orig || incl < 64 || off+16+incl > len(b) {
			t.Fatalf("record at byte %d: incl %d orig %d", off, incl, orig)
		}
		m := b[off+16 : off+16+incl]
		r := usbmonRecord{
			id: le.Uint64(m), typ: m[8], xfer: m[9], ep: m[10], dev: m[11], bus: le.Uint16(m[12:]),
			flagSetup: m[14], flagData: m[15], sec: int64(le.Uint64(m[16:])), usec: int32(le.Uint32(m[24:])),
			status: int32(le.Uint32(m[28:])), length: le.Uint32(m[32:]), capLen: le.Uint32(m[36:]), data: m[64:],
		}
		copy(r.setup[:], m[40:48])
		if int(r.capLen) != len(r.data) {
			t.Fatalf("record at byte %d: len_cap %d but %d data bytes", off, r.capLen, len(r.data))
		}
		if sec, usec := int64(le.Uint32(b[off:])), int32(le.Uint32(b[off+4:])); sec != r.sec || usec != r.usec {
			t.Errorf("record at byte %d: pcap time %d.%06d, usbmon time %d.%06d", off, sec, usec, r.sec, r.usec)
		}
		out = append(out, r)
		off += 16 + incl
	}
	return out
}

func TestPcapControlTransfers(t *testing.T) {
	var buf bytes.Buffer
	x := open(t, "nucleo-f446re:dfu", sim.Options{PCAP: &buf})
	addr := byte(x.dev.Info().Address)
	x.ready()                                      // two GETSTATUS
	x.cmd(addrCmd(0x21, 0x08000000)...)            // DNLOAD (OUT, 5 bytes) + 2 GETSTATUS
	if err := x.out(1, 1, []byte{1}); err == nil { // block 1: stall
		t.Fatal("block 1 accepted")
	}
	recs := parsePcap(t, buf.Bytes())
	// Opening the device configured it, as an operating system does.
	if len(recs) < 2 || recs[0].setup != [8]byte{0, 9, 1, 0, 0, 0, 0, 0} {
		t.Fatalf("first transfer is not SET_CONFIGURATION 1: %+v", recs)
	}
	recs = recs[2:]
	if len(recs) != 2*6 {
		t.Fatalf("%d records, want 12 (6 transfers, submission and completion)", len(recs))
	}
	for i := 0; i < len(recs); i += 2 {
		s, c := recs[i], recs[i+1]
		if s.typ != 'S' || c.typ != 'C' || s.id != c.id || s.xfer != 2 || s.dev != addr || s.bus != 1 {
			t.Errorf("transfer %d: %c/%c ids %d/%d xfer %d dev %d bus %d", i/2, s.typ, c.typ, s.id, c.id, s.xfer, s.dev, s.bus)
		}
		if s.flagSetup != 0 || c.flagSetup != '-' || s.status != -115 {
			t.Errorf("transfer %d: flag_setup %q/%q submission status %d", i/2, s.flagSetup, c.flagSetup, s.status)
		}
		if c.sec < s.sec || (c.sec == s.sec && c.usec < s.usec) {
			t.Errorf("transfer %d completes before it is submitted", i/2)
		}
	}
	// First: GETSTATUS, IN on endpoint 0x80, 6 bytes back.
	if r := recs[0]; r.ep != 0x80 || r.setup != [8]byte{0xA1, 3, 0, 0, 0, 0, 6, 0} || r.flagData != '<' || r.capLen != 0 {
		t.Errorf("GETSTATUS submission %+v", r)
	}
	if r := recs[1]; r.status != 0 || r.length != 6 || len(r.data) != 6 || r.data[4] != 2 {
		t.Errorf("GETSTATUS completion %+v", r)
	}
	// Second: the Set Address command, OUT with its 5 data bytes.
	if r := recs[4]; r.ep != 0 || r.setup[0] != 0x21 || r.setup[1] != 1 || !bytes.Equal(r.data, []byte{0x21, 0, 0, 0, 8}) || r.flagData != 0 {
		t.Errorf("DNLOAD submission %+v", r)
	}
	if r := recs[5]; r.status != 0 || r.length != 5 || r.capLen != 0 || r.flagData != '>' {
		t.Errorf("DNLOAD completion %+v", r)
	}
	// Last: the stalled block 1 completes with -EPIPE.
	if r := recs[11]; r.status != -32 || r.length != 0 {
		t.Errorf("stalled DNLOAD completion %+v", r)
	}
}
