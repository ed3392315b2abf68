// Package uf2 reads and writes UF2 files (Microsoft's USB flashing format):
// 512-byte blocks, each carrying up to 476 bytes of data for one address.
// Only files for the STM32F4 family IDs are accepted.
package uf2

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/softdfu/softdfu/firmware"
)

// Block layout and flags.
const (
	BlockSize   = 512
	MaxPayload  = 476
	Magic0      = 0x0A324655
	Magic1      = 0x9E5D5157
	MagicEnd    = 0x0AB16F30
	FlagNotMain = 0x00000001 // block is not for main flash: skipped
	FlagFile    = 0x00001000 // file container (not a flash image)
	FlagFamily  = 0x00002000 // the fileSize field holds a family ID
)

// Family IDs accepted (microsoft/uf2 utils/uf2families.json).
const (
	FamilySTM32F4   = 0x57755a57
	FamilySTM32F407 = 0x6d0922fa
)

// Is reports whether b starts with a UF2 block's magic numbers.
func Is(b []byte) bool {
	return len(b) >= BlockSize && binary.LittleEndian.Uint32(b) == Magic0 && binary.LittleEndian.Uint32(b[4:]) == Magic1
}

// Parse reads the UF2 file held in b. Blocks flagged "not main flash" are
// skipped; blocks with a family ID other than STM32F4's, duplicate block
// numbers, missing blocks and a file with no main-flash data are errors.
func Parse(b []byte) (*firmware.Image, error) {
	errf := func(off int, format string, args ...any) error {
		return fmt.Errorf("%w: uf2: byte %d (block %d): %s", firmware.ErrInvalid, off, off/BlockSize, fmt.Sprintf(format, args...))
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: uf2: the file is empty", firmware.ErrInvalid)
	}
	if len(b)%BlockSize != 0 {
		return nil, errf(len(b)-len(b)%BlockSize, "the file is %d bytes, not a multiple of 512: it is truncated; rebuild or re-download it", len(b))
	}
	nblocks := len(b) / BlockSize
	le := binary.LittleEndian
	var seen []bool
	var total uint32
	var pieces []firmware.Segment
	for off := 0; off < len(b); off += BlockSize {
		blk := b[off : off+BlockSize]
		if le.Uint32(blk) != Magic0 || le.Uint32(blk[4:]) != Magic1 || le.Uint32(blk[508:]) != MagicEnd {
			return nil, errf(off, "block magic numbers are wrong: the file is damaged or not UF2")
		}
		flags := le.Uint32(blk[8:])
		addr := le.Uint32(blk[12:])
		size := le.Uint32(blk[16:])
		no := le.Uint32(blk[20:])
		num := le.Uint32(blk[24:])
		family := le.Uint32(blk[28:])
		if flags&FlagFile != 0 {
			return nil, fmt.Errorf("%w: uf2: byte %d (block %d) is a file-container block, not a flash image", firmware.ErrUnsupported, off, off/BlockSize)
		}
		if flags&FlagFamily != 0 && family != FamilySTM32F4 && family != FamilySTM32F407 {
			return nil, fmt.Errorf("%w: uf2: byte %d (block %d): family ID 0x%08x is not STM32F4 (0x%08x) or STM32F407 (0x%08x): this file is for another chip; build it for STM32F4",
				firmware.ErrUnsupported, off+28, off/BlockSize, family, FamilySTM32F4, FamilySTM32F407)
		}
		if size > MaxPayload {
			return nil, errf(off+16, "payload size %d is more than %d", size, MaxPayload)
		}
		if seen == nil {
			if num == 0 || uint64(num) > uint64(nblocks) {
				return nil, errf(off+24, "the file says it has %d blocks but holds %d: blocks are missing; rebuild or re-download it", num, nblocks)
			}
			total = num
			seen = make([]bool, num)
		}
		if num != total {
			return nil, errf(off+24, "block count %d differs from the %d of the first block (concatenated UF2 files are not supported)", num, total)
		}
		if no >= num {
			return nil, errf(off+20, "block number %d is not below the block count %d", no, num)
		}
		if seen[no] {
			return nil, errf(off+20, "block number %d appears twice: the file is damaged", no)
		}
		seen[no] = true
		if flags&FlagNotMain != 0 {
			continue
		}
		if uint64(addr)+uint64(size) > 1<<32 {
			return nil, errf(off+12, "%d bytes at 0x%08x go past 4 GiB", size, addr)
		}
		pieces = append(pieces, firmware.Segment{Address: addr, Data: blk[32 : 32+size : 32+size]})
	}
	// Every block number is below total, none repeats, and total is at
	// most the number of blocks: so none is missing.
	img := &firmware.Image{Format: "uf2"}
	if err := img.Assemble(pieces); err != nil {
		return nil, fmt.Errorf("%w: uf2: %v", firmware.ErrInvalid, err)
	}
	if len(img.Segments) == 0 {
		return nil, fmt.Errorf("%w: uf2: none of the %d blocks holds data for main flash (each is flagged not-main-flash or has no payload): nothing to flash; check that the file was built for this board", firmware.ErrInvalid, nblocks)
	}
	return img, nil
}

// Options tune Write.
type Options struct {
	// Family is the family ID written in every block; 0 means
	// FamilySTM32F4.
	Family uint32
	// PayloadLen is the data per block (1-476, a multiple of 4); 0 means
	// 256, what uf2conv.py and the bootloaders that flash page by page
	// expect.
	PayloadLen int
}

// Write writes the normalized image as UF2 blocks with the family ID set.
// Blocks never straddle a PayloadLen-aligned address boundary, so each
// block fills at most one 256-byte flash page.
func Write(w io.Writer, img *firmware.Image, opt Options) error {
	if err := img.SingleAlt("UF2"); err != nil {
		return err
	}
	fam := opt.Family
	if fam == 0 {
		fam = FamilySTM32F4
	}
	pl := opt.PayloadLen
	if pl == 0 {
		pl = 256
	}
	if pl < 4 || pl > MaxPayload || pl%4 != 0 {
		return fmt.Errorf("uf2: payload length %d must be a multiple of 4 in 4-476", pl)
	}
	type chunk struct {
		addr uint32
		data []byte
	}
	var chunks []chunk
	for _, s := range img.Segments {
		addr := uint64(s.Address)
		for data := s.Data; len(data) > 0; {
			n := min(uint64(len(data)), uint64(pl)-addr%uint64(pl))
			chunks = append(chunks, chunk{uint32(addr), data[:n]})
			data = data[n:]
			addr += n
		}
	}
	bw := bufio.NewWriter(w)
	le := binary.LittleEndian
	var blk [BlockSize]byte
	for i, c := range chunks {
		clear(blk[:])
		le.PutUint32(blk[0:], Magic0)
		le.PutUint32(blk[4:], Magic1)
		le.PutUint32(blk[8:], FlagFamily)
		le.PutUint32(blk[12:], c.addr)
		le.PutUint32(blk[16:], uint32(len(c.data)))
		le.PutUint32(blk[20:], uint32(i))
		le.PutUint32(blk[24:], uint32(len(chunks)))
		le.PutUint32(blk[28:], fam)
		copy(blk[32:], c.data)
		le.PutUint32(blk[508:], MagicEnd)
		if _, err := bw.Write(blk[:]); err != nil {
			return err
		}
	}
	return bw.Flush()
}
