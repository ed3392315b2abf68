package firmware

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sort"
)

// CRC32 returns the CRC-32 (IEEE) of the segments' bytes in order, without
// anything for the gaps between them: for a gapless image it equals the
// CRC-32 of the equivalent .bin file.
func (img *Image) CRC32() uint32 {
	var crc uint32
	for _, s := range img.Segments {
		crc = crc32.Update(crc, crc32.IEEETable, s.Data)
	}
	return crc
}

// Bytes returns the n bytes of the normalized image at [addr, addr+n) for
// alt setting alt, and which of them the image covers: bytes it does not
// cover read 0xFF and have covered[i] == false. Addresses past 4 GiB are
// not covered.
func (img *Image) Bytes(alt uint8, addr uint32, n int) (data []byte, covered []bool) {
	n = max(n, 0)
	data = make([]byte, n)
	covered = make([]bool, n)
	for i := range data {
		data[i] = 0xFF
	}
	lo, hi := uint64(addr), uint64(addr)+uint64(n)
	segs := img.Segments
	// First segment of this alt ending after lo.
	i := sort.Search(len(segs), func(i int) bool {
		s := segs[i]
		return s.Alt > alt || (s.Alt == alt && s.End() > lo)
	})
	for ; i < len(segs) && segs[i].Alt == alt && uint64(segs[i].Address) < hi; i++ {
		s := segs[i]
		from := max(lo, uint64(s.Address))
		to := min(hi, s.End())
		copy(data[from-lo:to-lo], s.Data[from-uint64(s.Address):to-uint64(s.Address)])
		for j := from - lo; j < to-lo; j++ {
			covered[j] = true
		}
	}
	return data, covered
}

// VectorTable returns the initial main stack pointer and reset vector of a
// Cortex-M vector table at address at (alt 0), if the image covers the 8
// bytes there.
func (img *Image) VectorTable(at uint32) (msp, reset uint32, ok bool) {
	b, cov := img.Bytes(0, at, 8)
	for _, c := range cov {
		if !c {
			return 0, 0, false
		}
	}
	return binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), true
}

// STM32F4 memory ranges used by CheckSTM32F4 (end addresses are exclusive
// ranges of valid bytes; a stack pointer may equal the end).
const (
	FlashStart = 0x08000000 // STM32F4 main flash
	FlashEnd   = 0x08200000 // end of the largest (2 MiB) STM32F4 flash
	SRAMStart  = 0x20000000 // SRAM1
	SRAMEnd    = 0x20050000 // end of the largest (320 KiB) STM32F4 SRAM
	CCMStart   = 0x10000000 // core-coupled memory
	CCMEnd     = 0x10010000 // end of the 64 KiB CCM
)

// CheckSTM32F4 looks at the vector table at the lowest alt-0 address (or
// at FlashStart if the image starts below flash) and at where the image
// lies, and returns one line per thing that looks wrong for an STM32F4
// application; an empty result means the image is plausible. It does not
// know the exact part, so it uses the largest F4 memories.
func (img *Image) CheckSTM32F4() []string {
	var out []string
	var lo uint32
	found := false
	for _, s := range img.Segments {
		if s.Alt == 0 {
			if !found || s.Address < lo {
				lo = s.Address
			}
			found = true
		}
	}
	if !found {
		return []string{"image has no data for internal flash (alt 0)"}
	}
	for _, s := range img.Segments {
		if s.Alt == 0 && (s.Address < FlashStart || s.End() > FlashEnd) {
			out = append(out, fmt.Sprintf("data at 0x%08x-0x%08x lies outside STM32F4 flash 0x%08x-0x%08x",
				s.Address, s.End()-1, FlashStart, FlashEnd-1))
		}
	}
	at := lo
	if at < FlashStart {
		at = FlashStart
	}
	msp, reset, ok := img.VectorTable(at)
	if !ok {
		return append(out, fmt.Sprintf("image does not cover a vector table at 0x%08x", at))
	}
	inSRAM := msp >= SRAMStart && msp <= SRAMEnd
	inCCM := msp >= CCMStart && msp <= CCMEnd
	switch {
	case !inSRAM && !inCCM:
		out = append(out, fmt.Sprintf("initial stack pointer 0x%08x at 0x%08x is not in SRAM (0x%08x-0x%08x) or CCM (0x%08x-0x%08x): is this the right address or file?",
			msp, at, uint32(SRAMStart), uint32(SRAMEnd), uint32(CCMStart), uint32(CCMEnd)))
	case msp%4 != 0:
		out = append(out, fmt.Sprintf("initial stack pointer 0x%08x at 0x%08x is not 4-byte aligned", msp, at))
	}
	switch {
	case reset&1 == 0:
		out = append(out, fmt.Sprintf("reset vector 0x%08x at 0x%08x is even (not a Thumb address)", reset, at+4))
	case reset < FlashStart || reset >= FlashEnd:
		out = append(out, fmt.Sprintf("reset vector 0x%08x at 0x%08x is not in flash 0x%08x-0x%08x", reset, at+4, FlashStart, FlashEnd-1))
	}
	return out
}
