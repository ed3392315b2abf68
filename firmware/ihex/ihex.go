// Package ihex reads and writes Intel HEX files (record types 00 data,
// 01 end of file, 02 extended segment address, 03 start segment address,
// 04 extended linear address and 05 start linear address).
package ihex

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/softdfu/softdfu/firmware"
)

// Record types.
const (
	Data                   = 0x00
	EOF                    = 0x01
	ExtendedSegmentAddress = 0x02
	StartSegmentAddress    = 0x03
	ExtendedLinearAddress  = 0x04
	StartLinearAddress     = 0x05
)

// maxLine is the longest line accepted: ':' + 2*(5+255) hex digits, plus
// some room for trailing blanks.
const maxLine = 600

// Read parses an Intel HEX file from r. The data records are gathered into
// sparse segments (a large address span costs nothing) and the image is
// normalized; overlapping records are an error.
func Read(r io.Reader) (*firmware.Image, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	p := parser{img: &firmware.Image{Format: "ihex"}}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxLine {
			p.line++
			return nil, p.errf("line is longer than %d characters: this is not an Intel HEX file", maxLine)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("ihex: line %d: %w", p.line+1, err)
		}
		if len(line) > 0 {
			p.line++
			done, perr := p.record(line)
			if perr != nil {
				return nil, perr
			}
			if done {
				break
			}
		}
		if err == io.EOF {
			return nil, fmt.Errorf("%w: ihex: file ends after line %d without an end-of-file record (:00000001FF): it is truncated; rebuild or re-download it",
				firmware.ErrInvalid, p.line)
		}
	}
	if err := p.img.Assemble(p.b.Segments()); err != nil {
		return nil, fmt.Errorf("%w: ihex: %v", firmware.ErrInvalid, err)
	}
	return p.img, nil
}

// Parse parses an Intel HEX file held in b.
func Parse(b []byte) (*firmware.Image, error) { return Read(bytes.NewReader(b)) }

type parser struct {
	b    firmware.Builder
	img  *firmware.Image
	line int
	base uint64 // from record 02 or 04
	buf  [255 + 5]byte
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: ihex: line %d: %s", firmware.ErrInvalid, p.line, fmt.Sprintf(format, args...))
}

// record parses one line; done reports an end-of-file record.
func (p *parser) record(line []byte) (done bool, err error) {
	line = bytes.TrimRight(line, " \t\r\n")
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 {
		return false, nil
	}
	b, err := p.decode(line)
	if err != nil {
		return false, err
	}
	return p.apply(b[3], uint64(b[1])<<8|uint64(b[2]), b[4:len(b)-1])
}

// decode checks one record's framing, hex digits, byte count and checksum
// and returns its bytes: count, offset (2), type, data, checksum.
func (p *parser) decode(line []byte) ([]byte, error) {
	if line[0] != ':' {
		return nil, p.errf("starts with %q, not ':': this is not an Intel HEX record", line[0])
	}
	hex := line[1:]
	if len(hex)%2 != 0 || len(hex) < 10 {
		return nil, p.errf("record has %d hex digits, want an even number of at least 10: the line is truncated or damaged", len(hex))
	}
	n := len(hex) / 2
	if n > len(p.buf) {
		return nil, p.errf("record is %d bytes long, more than the 260 a record can hold", n)
	}
	b := p.buf[:n]
	for i := range n {
		hi, ok1 := unhex(hex[2*i])
		lo, ok2 := unhex(hex[2*i+1])
		if !ok1 || !ok2 {
			return nil, p.errf("column %d: %q is not a hex digit", 2+2*i, hex[2*i:2*i+2])
		}
		b[i] = hi<<4 | lo
	}
	if count := int(b[0]); count != n-5 {
		return nil, p.errf("byte count says %d data bytes but the record holds %d: the line is truncated or damaged", count, n-5)
	}
	var sum byte
	for _, c := range b {
		sum += c
	}
	if sum != 0 {
		return nil, p.errf("checksum is 0x%02X but the record needs 0x%02X: the line is damaged; rebuild or re-download the file",
			b[n-1], b[n-1]-sum)
	}
	return b, nil
}

// apply acts on one decoded record of type typ; done reports an
// end-of-file record.
func (p *parser) apply(typ byte, offset uint64, data []byte) (done bool, err error) {
	count := len(data)
	switch typ {
	case Data:
		addr := p.base + offset
		if addr+uint64(count) > 1<<32 {
			return false, p.errf("data at 0x%X-0x%X goes past 4 GiB", addr, addr+uint64(count)-1)
		}
		if count > 0 {
			p.b.Add(0, uint32(addr), data)
		}
	case EOF:
		if count != 0 {
			return false, p.errf("end-of-file record carries %d data bytes, want 0", count)
		}
		return true, nil
	case ExtendedSegmentAddress, ExtendedLinearAddress:
		if count != 2 {
			return false, p.errf("record type %02X carries %d data bytes, want 2", typ, count)
		}
		v := uint64(data[0])<<8 | uint64(data[1])
		if typ == ExtendedSegmentAddress {
			p.base = v << 4
		} else {
			p.base = v << 16
		}
	case StartSegmentAddress, StartLinearAddress:
		if count != 4 {
			return false, p.errf("record type %02X carries %d data bytes, want 4", typ, count)
		}
		p.img.Entry = startAddress(typ, data)
	default:
		return false, p.errf("unknown record type %02X (Intel HEX has types 00-05)", typ)
	}
	return false, nil
}

// startAddress is the entry point of a start-address record: CS:IP for
// type 03, EIP for type 05.
func startAddress(typ byte, data []byte) uint32 {
	if typ == StartSegmentAddress {
		cs := uint32(data[0])<<8 | uint32(data[1])
		ip := uint32(data[2])<<8 | uint32(data[3])
		return cs<<4 + ip
	}
	return binary.BigEndian.Uint32(data)
}

// hexVal maps an ASCII hex digit to its value and anything else to 0xFF.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i, c := range "0123456789ABCDEF" {
		t[c] = byte(i)
		t[c|0x20] = byte(i) // lower case; digits are unchanged by |0x20
	}
	return t
}()

func unhex(c byte) (byte, bool) {
	v := hexVal[c]
	return v, v != 0xFF
}

// Options tune Write.
type Options struct {
	// RecordLen is the number of data bytes per data record (1-255);
	// 0 means 16, what arm-none-eabi-objcopy writes.
	RecordLen int
	// CRLF ends lines with "\r\n" (as objcopy does) instead of "\n".
	CRLF bool
}

// Write writes the normalized image as Intel HEX: an extended linear
// address record (04) before the first data record and wherever the upper
// 16 address bits change, data records that never cross a 64 KiB boundary,
// a start linear address record (05) if img.Entry is set, and the
// end-of-file record.
func Write(w io.Writer, img *firmware.Image, opt Options) error {
	if err := img.SingleAlt("Intel HEX"); err != nil {
		return err
	}
	rl := opt.RecordLen
	if rl == 0 {
		rl = 16
	}
	if rl < 1 || rl > 255 {
		return fmt.Errorf("ihex: record length %d is out of range 1-255", rl)
	}
	eol := "\n"
	if opt.CRLF {
		eol = "\r\n"
	}
	bw := bufio.NewWriter(w)
	var rec []byte
	emit := func(typ byte, off uint16, data []byte) {
		rec = append(rec[:0], ':')
		sum := byte(len(data)) + byte(off>>8) + byte(off) + typ
		rec = appendHex(rec, byte(len(data)))
		rec = appendHex(rec, byte(off>>8))
		rec = appendHex(rec, byte(off))
		rec = appendHex(rec, typ)
		for _, c := range data {
			rec = appendHex(rec, c)
			sum += c
		}
		rec = appendHex(rec, -sum)
		rec = append(rec, eol...)
		bw.Write(rec)
	}
	upper := -1
	for _, s := range img.Segments {
		addr := uint64(s.Address)
		data := s.Data
		for len(data) > 0 {
			if u := int(addr >> 16); u != upper {
				emit(ExtendedLinearAddress, 0, []byte{byte(u >> 8), byte(u)})
				upper = u
			}
			n := min(len(data), rl, int(0x10000-addr&0xFFFF))
			emit(Data, uint16(addr), data[:n])
			data = data[n:]
			addr += uint64(n)
		}
	}
	if img.Entry != 0 {
		e := img.Entry
		emit(StartLinearAddress, 0, []byte{byte(e >> 24), byte(e >> 16), byte(e >> 8), byte(e)})
	}
	emit(EOF, 0, nil)
	return bw.Flush()
}

const hexDigits = "0123456789ABCDEF"

func appendHex(b []byte, c byte) []byte { return append(b, hexDigits[c>>4], hexDigits[c&15]) }
