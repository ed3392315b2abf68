package firmware

import "fmt"

// Description is what a front end shows of a firmware file (softdfu info
// FILE): format, segments, sizes, CRC-32, entry point, DFU suffix and
// whether its start looks like a bootable STM32F4 application. Numbers
// are hexadecimal text as people read them; the JSON field names are
// stable and in sorted order.
type Description struct {
	// Bootable is true when Problems is empty.
	Bootable bool   `json:"bootable"`
	CRC32    string `json:"crc32"`
	// DFUSuffix is the suffix's "vendor:product bcdDevice device"; empty
	// without one.
	DFUSuffix string `json:"dfu_suffix,omitempty"`
	// Entry is the entry point the file names; empty when it names none.
	Entry  string `json:"entry,omitempty"`
	File   string `json:"file"`
	Format string `json:"format"`
	// Problems are CheckSTM32F4's; empty (JSON []) when there are none.
	Problems []string             `json:"problems"`
	Segments []SegmentDescription `json:"segments"`
	Size     int                  `json:"size"`
	// Span is the first to the last address the image covers; empty for
	// an image without data.
	Span string `json:"span"`
	// VectorTable is the Cortex-M vector table at the image's lowest
	// address; nil when the image does not cover its first 8 bytes.
	VectorTable *VectorTableDescription `json:"vector_table,omitempty"`
}

// SegmentDescription is one segment of a Description: its alternate
// setting, first and last address and size in bytes.
type SegmentDescription struct {
	Alt     uint8  `json:"alt"`
	Address string `json:"address"`
	End     string `json:"end"`
	Size    int    `json:"size"`
}

// VectorTableDescription is the initial stack pointer and reset vector of
// the vector table at At.
type VectorTableDescription struct {
	At        string `json:"-"`
	InitialSP string `json:"initial_sp"`
	Reset     string `json:"reset"`
}

// Describe returns the description of img, read from the file named file.
func (img *Image) Describe(file string) Description {
	lo, hi := img.Span()
	d := Description{File: file, Format: img.Format, Size: img.Size(), Problems: img.CheckSTM32F4(),
		CRC32: hex32(img.CRC32()), Segments: []SegmentDescription{}}
	if hi > 0 {
		d.Span = fmt.Sprintf("0x%08x-0x%08x", lo, hi-1)
	}
	if d.Problems == nil {
		d.Problems = []string{}
	}
	d.Bootable = len(d.Problems) == 0
	for _, s := range img.Segments {
		d.Segments = append(d.Segments, SegmentDescription{s.Alt, hex32(s.Address), fmt.Sprintf("0x%08x", s.End()-1), len(s.Data)})
	}
	if img.Entry != 0 {
		d.Entry = hex32(img.Entry)
	}
	if msp, reset, ok := img.VectorTable(lo); ok {
		d.VectorTable = &VectorTableDescription{At: hex32(lo), InitialSP: hex32(msp), Reset: hex32(reset)}
	}
	if img.Vendor != 0 || img.Product != 0 {
		d.DFUSuffix = fmt.Sprintf("%04x:%04x bcdDevice %04x", img.Vendor, img.Product, img.Device)
	}
	return d
}

func hex32(v uint32) string { return fmt.Sprintf("0x%08x", v) }
