// Package srec reads and writes Motorola S-record files: S0 header, S1/S2/S3
// data with 16/24/32-bit addresses, S5/S6 record counts and S7/S8/S9
// termination records carrying the entry point.
package srec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/softdfu/softdfu/firmware"
)

// maxLine is the longest line accepted: "S" + type + 2*255 hex digits,
// plus room for trailing blanks.
const maxLine = 600

// Read parses an S-record file from r into a normalized image with sparse
// segments; overlapping records are an error. The S0 header is skipped,
// S5/S6 counts are checked, and S7/S8/S9 set Entry.
func Read(r io.Reader) (*firmware.Image, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	p := parser{img: &firmware.Image{Format: "srec"}}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxLine {
			p.line++
			return nil, p.errf("line is longer than %d characters: this is not an S-record file", maxLine)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("srec: line %d: %w", p.line+1, err)
		}
		if len(line) > 0 {
			p.line++
			if perr := p.record(line); perr != nil {
				return nil, perr
			}
		}
		if err == io.EOF || p.done {
			break
		}
	}
	if p.records == 0 {
		return nil, fmt.Errorf("%w: srec: no S-records found: the file is empty or not an S-record file", firmware.ErrInvalid)
	}
	if err := p.img.Assemble(p.b.Segments()); err != nil {
		return nil, fmt.Errorf("%w: srec: %v", firmware.ErrInvalid, err)
	}
	return p.img, nil
}

// Parse parses an S-record file held in b.
func Parse(b []byte) (*firmware.Image, error) { return Read(bytes.NewReader(b)) }

type parser struct {
	b       firmware.Builder
	img     *firmware.Image
	line    int
	records int
	nData   uint64 // data records seen, for S5/S6
	done    bool
	buf     [256]byte
}

func (p *parser) errf(format string, args ...any) error {
	return fmt.Errorf("%w: srec: line %d: %s", firmware.ErrInvalid, p.line, fmt.Sprintf(format, args...))
}

// addrLen is the address size in bytes of each record type (0 = invalid).
var addrLen = [10]int{0: 2, 1: 2, 2: 3, 3: 4, 5: 2, 6: 3, 7: 4, 8: 3, 9: 2}

func (p *parser) record(line []byte) error {
	line = bytes.TrimRight(line, " \t\r\n")
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 {
		return nil
	}
	if line[0] != 'S' && line[0] != 's' {
		return p.errf("starts with %q, not 'S': this is not an S-record", line[0])
	}
	if len(line) < 2 || line[1] < '0' || line[1] > '9' || line[1] == '4' {
		return p.errf("unknown record type %q (S-records are S0-S3 and S5-S9)", line[:min(len(line), 2)])
	}
	typ := int(line[1] - '0')
	hex := line[2:]
	if len(hex)%2 != 0 || len(hex) < 2 {
		return p.errf("record has %d hex digits, want an even number: the line is truncated or damaged", len(hex))
	}
	n := len(hex) / 2
	if n > len(p.buf) {
		return p.errf("record is %d bytes long, more than the 256 a record can hold", n)
	}
	b := p.buf[:n]
	for i := range n {
		hi, ok1 := unhex(hex[2*i])
		lo, ok2 := unhex(hex[2*i+1])
		if !ok1 || !ok2 {
			return p.errf("column %d: %q is not a hex digit", 3+2*i, hex[2*i:2*i+2])
		}
		b[i] = hi<<4 | lo
	}
	if int(b[0]) != n-1 {
		return p.errf("byte count says %d but the record holds %d bytes: the line is truncated or damaged", b[0], n-1)
	}
	al := addrLen[typ]
	if n-1 < al+1 {
		return p.errf("S%d record holds %d bytes, too few for a %d-byte address and a checksum", typ, n-1, al)
	}
	var sum byte
	for _, c := range b[:n-1] {
		sum += c
	}
	if want := ^sum; b[n-1] != want {
		return p.errf("checksum is 0x%02X but the record needs 0x%02X: the line is damaged; rebuild or re-download the file", b[n-1], want)
	}
	p.records++
	var addr uint64
	for _, c := range b[1 : 1+al] {
		addr = addr<<8 | uint64(c)
	}
	data := b[1+al : n-1]
	switch typ {
	case 0:
	case 1, 2, 3:
		if addr+uint64(len(data)) > 1<<32 {
			return p.errf("data at 0x%X-0x%X goes past 4 GiB", addr, addr+uint64(len(data))-1)
		}
		p.nData++
		p.b.Add(0, uint32(addr), data)
	case 5, 6:
		if len(data) != 0 {
			return p.errf("S%d record carries %d data bytes, want 0", typ, len(data))
		}
		if addr != p.nData&(1<<(8*al)-1) {
			return p.errf("S%d record counts %d data records but the file has %d before it: records are missing; rebuild or re-download the file", typ, addr, p.nData)
		}
	case 7, 8, 9:
		if len(data) != 0 {
			return p.errf("S%d record carries %d data bytes, want 0", typ, len(data))
		}
		p.img.Entry = uint32(addr)
		p.done = true
	}
	return nil
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
	// RecordLen is the number of data bytes per S3 record (1-250); 0 means
	// 16, what arm-none-eabi-objcopy writes.
	RecordLen int
	// Header is the text of the S0 header record; "" means "softdfu".
	Header string
	// CRLF ends lines with "\r\n" instead of "\n".
	CRLF bool
}

// Write writes the normalized image as S-records: an S0 header, S3 data
// records (32-bit addresses), and an S7 termination record with img.Entry.
func Write(w io.Writer, img *firmware.Image, opt Options) error {
	if err := img.SingleAlt("S-record"); err != nil {
		return err
	}
	rl := opt.RecordLen
	if rl == 0 {
		rl = 16
	}
	if rl < 1 || rl > 250 {
		return fmt.Errorf("srec: record length %d is out of range 1-250", rl)
	}
	hdr := opt.Header
	if hdr == "" {
		hdr = "softdfu"
	}
	if len(hdr) > 250 {
		hdr = hdr[:250]
	}
	eol := "\n"
	if opt.CRLF {
		eol = "\r\n"
	}
	bw := bufio.NewWriter(w)
	var rec []byte
	emit := func(typ byte, addr uint32, al int, data []byte) {
		rec = append(rec[:0], 'S', '0'+typ)
		n := byte(al + len(data) + 1)
		sum := n
		rec = appendHex(rec, n)
		for i := al - 1; i >= 0; i-- {
			c := byte(addr >> (8 * i))
			rec = appendHex(rec, c)
			sum += c
		}
		for _, c := range data {
			rec = appendHex(rec, c)
			sum += c
		}
		rec = appendHex(rec, ^sum)
		rec = append(rec, eol...)
		bw.Write(rec)
	}
	emit(0, 0, 2, []byte(hdr))
	for _, s := range img.Segments {
		addr := s.Address
		for data := s.Data; len(data) > 0; {
			n := min(len(data), rl)
			emit(3, addr, 4, data[:n])
			data = data[n:]
			addr += uint32(n)
		}
	}
	emit(7, img.Entry, 4, nil)
	return bw.Flush()
}

const hexDigits = "0123456789ABCDEF"

func appendHex(b []byte, c byte) []byte { return append(b, hexDigits[c>>4], hexDigits[c&15]) }
