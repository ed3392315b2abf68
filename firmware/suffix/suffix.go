// Package suffix reads and writes the 16-byte DFU file suffix (DFU 1.1
// appendix B) that dfu-util, dfu-suffix and DfuSe tools append to
// firmware files: bcdDevice, idProduct, idVendor, bcdDFU, "UFD", bLength
// and a CRC over the rest of the file.
package suffix

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/softdfu/softdfu/firmware"
)

// Len is the length of a DFU suffix.
const Len = 16

// DFU versions stored in bcdDFU.
const (
	DFU11 = 0x0100 // plain DFU 1.0/1.1 file
	DfuSe = 0x011A // ST DfuSe file
	AnyID = 0xFFFF // "any" vendor, product or device
	STVID = 0x0483 // STMicroelectronics
	STPID = 0xDF11 // ST ROM DFU bootloader
)

// Suffix is the content of a DFU suffix.
type Suffix struct {
	Device  uint16 // bcdDevice (firmware release; 0xFFFF = any)
	Product uint16 // idProduct (0xFFFF = any)
	Vendor  uint16 // idVendor (0xFFFF = any)
	DFU     uint16 // bcdDFU: DFU11 or DfuSe
}

// Has reports whether b ends with something that claims to be a DFU
// suffix: the "UFD" signature in its place (the CRC is not checked).
func Has(b []byte) bool {
	n := len(b)
	return n >= Len && b[n-8] == 'U' && b[n-7] == 'F' && b[n-6] == 'D'
}

// Parse checks the DFU suffix at the end of b and returns it with the
// bytes before it. found is false (and err nil) when b has no suffix; a
// suffix with a wrong length or CRC is an error.
func Parse(b []byte) (s Suffix, body []byte, found bool, err error) {
	if !Has(b) {
		return Suffix{}, b, false, nil
	}
	n := len(b)
	if l := b[n-5]; l != Len {
		return Suffix{}, nil, true, fmt.Errorf("%w: DFU suffix at byte %d has bLength %d, want %d; remove it with `dfu-suffix -D FILE` and add a new one",
			firmware.ErrUnsupported, n-Len, l, Len)
	}
	if err := CheckCRC(binary.LittleEndian.Uint32(b[n-4:]), CRC(b[:n-4]), n); err != nil {
		return Suffix{}, nil, true, err
	}
	return decode(b[n-Len:]), b[:n-Len], true, nil
}

func decode(t []byte) Suffix {
	return Suffix{
		Device:  binary.LittleEndian.Uint16(t[0:]),
		Product: binary.LittleEndian.Uint16(t[2:]),
		Vendor:  binary.LittleEndian.Uint16(t[4:]),
		DFU:     binary.LittleEndian.Uint16(t[6:]),
	}
}

// CheckCRC compares the CRC stored in the suffix of a file of size bytes
// with the one computed over it and returns an error if they differ.
func CheckCRC(stored, computed uint32, size int) error {
	if stored != computed {
		return fmt.Errorf("%w: DFU suffix CRC is 0x%08x but the file's bytes 0-%d give 0x%08x: the file is damaged or was edited after the suffix was added; rebuild it, or re-add the suffix with `dfu-suffix -D FILE; dfu-suffix -a FILE`",
			firmware.ErrInvalid, stored, size-5, computed)
	}
	return nil
}

// CRC returns the DFU CRC of b: CRC-32 (IEEE, reflected, initial value
// 0xFFFFFFFF) without the final inversion.
func CRC(b []byte) uint32 { return ^crc32.ChecksumIEEE(b) }

// Append appends the suffix s, with its CRC over b and the suffix, to b.
func Append(b []byte, s Suffix) []byte {
	b = binary.LittleEndian.AppendUint16(b, s.Device)
	b = binary.LittleEndian.AppendUint16(b, s.Product)
	b = binary.LittleEndian.AppendUint16(b, s.Vendor)
	b = binary.LittleEndian.AppendUint16(b, s.DFU)
	b = append(b, 'U', 'F', 'D', Len)
	return binary.LittleEndian.AppendUint32(b, CRC(b))
}

// Decode returns the suffix fields in the last Len bytes of t without any
// check; t must be at least Len bytes long.
func Decode(t []byte) Suffix { return decode(t[len(t)-Len:]) }

// StoredCRC returns the CRC stored in the suffix at the end of t (at
// least 4 bytes).
func StoredCRC(t []byte) uint32 { return binary.LittleEndian.Uint32(t[len(t)-4:]) }

// Hash computes the DFU CRC of everything written to it (see CRC).
type Hash struct{ crc uint32 }

// NewHash returns a Hash ready for writing.
func NewHash() *Hash { return &Hash{} }

// Write adds p to the CRC; it never fails.
func (h *Hash) Write(p []byte) (int, error) {
	h.crc = crc32.Update(h.crc, crc32.IEEETable, p)
	return len(p), nil
}

// Sum32 returns the DFU CRC of the bytes written so far.
func (h *Hash) Sum32() uint32 { return ^h.crc }
