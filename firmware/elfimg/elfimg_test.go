package elfimg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

type phdr struct {
	typ, paddr, memsz uint32
	data              []byte
}

// build returns a minimal ELF32 little-endian ARM executable with the
// given program headers, their data placed after the headers.
func build(entry uint32, phs []phdr) []byte {
	le := binary.LittleEndian
	b := make([]byte, 52+32*len(phs))
	copy(b, "\x7fELF\x01\x01\x01")
	le.PutUint16(b[16:], 2)
	le.PutUint16(b[18:], 40)
	le.PutUint32(b[20:], 1)
	le.PutUint32(b[24:], entry)
	le.PutUint32(b[28:], 52)
	le.PutUint16(b[40:], 52)
	le.PutUint16(b[42:], 32)
	le.PutUint16(b[44:], uint16(len(phs)))
	for i, p := range phs {
		h := b[52+32*i:]
		le.PutUint32(h[0:], p.typ)
		le.PutUint32(h[4:], uint32(len(b)))
		le.PutUint32(h[8:], p.paddr+0x10000000) // VMA differs from LMA
		le.PutUint32(h[12:], p.paddr)
		le.PutUint32(h[16:], uint32(len(p.data)))
		le.PutUint32(h[20:], max(p.memsz, uint32(len(p.data))))
		b = append(b, p.data...)
	}
	return b
}

func TestParse(t *testing.T) {
	b := build(0x08000101, []phdr{
		{typ: 1, paddr: 0x08000000, data: []byte{0, 0, 2, 0x20, 0x01, 0x01, 0, 8}},
		{typ: 1, paddr: 0x08000008, data: []byte{9, 9}, memsz: 16}, // .data, with .bss after it
		{typ: 1, paddr: 0x20000000, memsz: 0x400},                  // .bss only: not written
		{typ: 0x70000001, paddr: 0x08001000, data: []byte{7}},      // ARM_EXIDX-like: not PT_LOAD
	})
	img, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if img.Entry != 0x08000101 || img.Format != "elf" {
		t.Errorf("entry %#x format %q", img.Entry, img.Format)
	}
	want := []byte{0, 0, 2, 0x20, 0x01, 0x01, 0, 8, 9, 9}
	if len(img.Segments) != 1 || img.Segments[0].Address != 0x08000000 || !bytes.Equal(img.Segments[0].Data, want) {
		t.Errorf("segments = %v", img.Segments)
	}
}

func TestParseErrors(t *testing.T) {
	good := build(1, []phdr{{typ: 1, paddr: 0x08000000, data: []byte{1, 2, 3, 4}}})
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		in   []byte
		want string
		err  error
	}{
		{"not ELF", []byte("hello world, not an elf"), "does not start with the ELF magic", firmware.ErrInvalid},
		{"64-bit", mod(func(b []byte) []byte { b[4] = 2; return b }), "only 32-bit ELF", firmware.ErrUnsupported},
		{"big-endian", mod(func(b []byte) []byte { b[5] = 2; return b }), "only little-endian ELF", firmware.ErrUnsupported},
		{"not ARM", mod(func(b []byte) []byte { b[18] = 62; return b }), "e_machine at byte 18 is 62, not ARM", firmware.ErrUnsupported},
		{"truncated header", good[:40], "shorter than the 52-byte ELF header", firmware.ErrInvalid},
		{"truncated program headers", good[:60], "program headers at bytes 52-83 lie past the end", firmware.ErrInvalid},
		{"truncated data", good[:len(good)-1], "program header 0 (at byte 52) says its 4 bytes start at file offset 84", firmware.ErrInvalid},
		{"no program headers", mod(func(b []byte) []byte { b[44] = 0; return b }), "no program headers", firmware.ErrUnsupported},
		{"small phentsize", mod(func(b []byte) []byte { b[42] = 8; return b }), "e_phentsize at byte 42 is 8", firmware.ErrInvalid},
		{"past 4 GiB", build(0, []phdr{{typ: 1, paddr: 0xFFFFFFFE, data: []byte{1, 2, 3}}}), "past 4 GiB", firmware.ErrInvalid},
		{"overlap", build(0, []phdr{{typ: 1, paddr: 0x100, data: []byte{1, 2}}, {typ: 1, paddr: 0x101, data: []byte{3}}}), "segments overlap", firmware.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %q (%v)", err, tc.want, tc.err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(build(0x08000101, []phdr{{typ: 1, paddr: 0x08000000, data: []byte{0, 0, 2, 0x20}}, {typ: 1, paddr: 0x20000000, memsz: 4}}))
	f.Add(build(0, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(b)
		if err != nil {
			return
		}
		for i, s := range img.Segments {
			if s.End() > 1<<32 || (i > 0 && uint64(s.Address) < img.Segments[i-1].End()) {
				t.Fatalf("bad segments %v", img.Segments)
			}
		}
	})
}
