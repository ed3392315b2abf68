package board

import (
	"context"
	"fmt"

	"github.com/softdfu/softdfu/firmware"
)

// ReadImage reads n bytes at addr (Read) into an image of one segment,
// as a raw binary holds them.
func (s *Session) ReadImage(ctx context.Context, addr uint32, n int, events func(Event)) (*firmware.Image, error) {
	data, err := s.Read(ctx, addr, n, events)
	if err != nil {
		return nil, err
	}
	return &firmware.Image{Format: "bin", Segments: []firmware.Segment{{Address: addr, Data: data}}}, nil
}

// ReadDocument is what a read saved as front ends show it (softdfu read
// --json): the file, the first address, the byte count and the CRC-32.
// The JSON field names are stable and in sorted order.
type ReadDocument struct {
	Address string `json:"address"`
	CRC32   string `json:"crc32"`
	File    string `json:"file"`
	Length  int    `json:"length"`
	// Text says the same for people (ReadDone).
	Text string `json:"-"`
}

// ReadDone describes img, read (ReadImage) from the board at path, saved
// to file.
func ReadDone(img *firmware.Image, path, file string) ReadDocument {
	seg := img.Segments[0]
	n, crc := len(seg.Data), img.CRC32()
	return ReadDocument{File: file, Address: fmt.Sprintf("0x%08x", seg.Address), Length: n, CRC32: fmt.Sprintf("0x%08x", crc),
		Text: fmt.Sprintf("read %d bytes at 0x%08x-0x%08x from %s into %s (CRC-32 0x%08x)", n, seg.Address, uint64(seg.Address)+uint64(n)-1, path, file, crc)}
}

// VerifyDocument is what Verify found as front ends show it (softdfu
// verify --json): the file, the bytes compared and how many differ, the
// first difference and the file's CRC-32. The JSON field names are stable
// and in sorted order.
type VerifyDocument struct {
	Bytes     int    `json:"bytes"`
	CRC32     string `json:"crc32"`
	Differing int    `json:"differing_bytes"`
	File      string `json:"file"`
	// First is the first differing address; empty when none differs.
	First string `json:"first_difference,omitempty"`
}

// Document describes the comparison of img, read from file, with the
// board.
func (c Comparison) Document(img *firmware.Image, file string) *VerifyDocument {
	d := &VerifyDocument{File: file, Bytes: c.Bytes, Differing: c.Differing, CRC32: fmt.Sprintf("0x%08x", img.CRC32())}
	if c.Differing > 0 {
		d.First = fmt.Sprintf("0x%08x", c.First)
	}
	return d
}

// Matched says for people that the board at path holds img, read from
// file (Verify found no difference).
func (c Comparison) Matched(img *firmware.Image, path, file string) string {
	return fmt.Sprintf("%s matches %s: %d bytes in %d segment(s), CRC-32 0x%08x", path, file, c.Bytes, len(img.Segments), img.CRC32())
}
