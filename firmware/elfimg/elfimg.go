// Package elfimg reads the loadable content of a 32-bit little-endian ARM
// ELF executable: each PT_LOAD program segment's file bytes at its physical
// address (LMA), as arm-none-eabi-objcopy -O binary would place them. The
// zero-filled tail of a segment (.bss, p_memsz > p_filesz) is not part of
// the image, and the entry point comes from e_entry.
package elfimg

import (
	"encoding/binary"
	"fmt"

	"github.com/softdfu/softdfu/firmware"
)

// ELF constants used here.
const (
	classELF32  = 1
	data2LSB    = 1
	machineARM  = 40
	typeExec    = 2
	ptLoad      = 1
	ehdrSize    = 52
	phdrMinSize = 32
)

// Parse reads the ELF file held in b. The image's segments share memory
// with b.
func Parse(b []byte) (*firmware.Image, error) {
	if len(b) < 16 || string(b[:4]) != "\x7fELF" {
		return nil, fmt.Errorf("%w: elf: file does not start with the ELF magic \\x7fELF", firmware.ErrInvalid)
	}
	if b[4] != classELF32 {
		return nil, fmt.Errorf("%w: elf: byte 4 (EI_CLASS) is %d: only 32-bit ELF (class 1) is supported; build for a Cortex-M (arm-none-eabi) target",
			firmware.ErrUnsupported, b[4])
	}
	if b[5] != data2LSB {
		return nil, fmt.Errorf("%w: elf: byte 5 (EI_DATA) is %d: only little-endian ELF (1) is supported; build with -mlittle-endian",
			firmware.ErrUnsupported, b[5])
	}
	if len(b) < ehdrSize {
		return nil, fmt.Errorf("%w: elf: file is %d bytes, shorter than the %d-byte ELF header: it is truncated", firmware.ErrInvalid, len(b), ehdrSize)
	}
	le := binary.LittleEndian
	if m := le.Uint16(b[18:]); m != machineARM {
		return nil, fmt.Errorf("%w: elf: e_machine at byte 18 is %d, not ARM (40): this ELF is for another CPU; build with arm-none-eabi-gcc",
			firmware.ErrUnsupported, m)
	}
	entry := le.Uint32(b[24:])
	phoff := uint64(le.Uint32(b[28:]))
	phentsize := uint64(le.Uint16(b[42:]))
	phnum := uint64(le.Uint16(b[44:]))
	if phnum == 0 {
		return nil, fmt.Errorf("%w: elf: the file has no program headers (e_phnum is 0): pass a linked executable, not an object file", firmware.ErrUnsupported)
	}
	if phnum == 0xFFFF {
		return nil, fmt.Errorf("%w: elf: e_phnum is 0xFFFF (extended numbering), which is not supported", firmware.ErrUnsupported)
	}
	if phentsize < phdrMinSize {
		return nil, fmt.Errorf("%w: elf: e_phentsize at byte 42 is %d, less than the %d bytes of an ELF32 program header", firmware.ErrInvalid, phentsize, phdrMinSize)
	}
	if end := phoff + phnum*phentsize; end > uint64(len(b)) {
		return nil, fmt.Errorf("%w: elf: program headers at bytes %d-%d lie past the end of the %d-byte file: it is truncated",
			firmware.ErrInvalid, phoff, end-1, len(b))
	}
	img := &firmware.Image{Format: "elf", Entry: entry}
	var pieces []firmware.Segment
	for i := range phnum {
		at := phoff + i*phentsize
		ph := b[at : at+phdrMinSize]
		if le.Uint32(ph[0:]) != ptLoad {
			continue
		}
		off := uint64(le.Uint32(ph[4:]))
		paddr := le.Uint32(ph[12:])
		filesz := uint64(le.Uint32(ph[16:]))
		if filesz == 0 {
			continue
		}
		if off+filesz > uint64(len(b)) {
			return nil, fmt.Errorf("%w: elf: program header %d (at byte %d) says its %d bytes start at file offset %d, past the end of the %d-byte file: it is truncated",
				firmware.ErrInvalid, i, at, filesz, off, len(b))
		}
		if end := uint64(paddr) + filesz; end > 1<<32 {
			return nil, fmt.Errorf("%w: elf: program header %d (at byte %d) loads %d bytes at 0x%08x, past 4 GiB",
				firmware.ErrInvalid, i, at, filesz, paddr)
		}
		pieces = append(pieces, firmware.Segment{Address: paddr, Data: b[off : off+filesz : off+filesz]})
	}
	if err := img.Assemble(pieces); err != nil {
		return nil, fmt.Errorf("%w: elf: %v", firmware.ErrInvalid, err)
	}
	return img, nil
}
