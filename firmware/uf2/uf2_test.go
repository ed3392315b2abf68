package uf2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

func sample() *firmware.Image {
	data := make([]byte, 600)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return &firmware.Image{Segments: []firmware.Segment{
		{Address: 0x08000080, Data: data},
		{Address: 0xFFFFFF00, Data: []byte{1, 2, 3}},
	}}
}

func TestWriteParse(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// 0x08000080-0x080002D7 in 256-byte-aligned pieces: 0x80, 0x100, 0xD8; plus one.
	if len(b) != 4*BlockSize {
		t.Fatalf("len = %d, want %d blocks", len(b), 4)
	}
	le := binary.LittleEndian
	blk := b[BlockSize:]
	if le.Uint32(blk[8:]) != FlagFamily || le.Uint32(blk[12:]) != 0x08000100 || le.Uint32(blk[16:]) != 256 ||
		le.Uint32(blk[20:]) != 1 || le.Uint32(blk[24:]) != 4 || le.Uint32(blk[28:]) != FamilySTM32F4 || le.Uint32(blk[508:]) != MagicEnd {
		t.Errorf("block 1 header = %x", blk[:32])
	}
	img, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	if len(img.Segments) != 2 || img.Format != "uf2" {
		t.Fatalf("segments %v", img.Segments)
	}
	for i := range want.Segments {
		if img.Segments[i].Address != want.Segments[i].Address || !bytes.Equal(img.Segments[i].Data, want.Segments[i].Data) {
			t.Errorf("segment %d differs", i)
		}
	}
}

func TestParseSkipsNotMainFlashAndOrder(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Mark the last block "not main flash" and swap blocks 0 and 1.
	binary.LittleEndian.PutUint32(b[3*BlockSize+8:], FlagFamily|FlagNotMain)
	b0 := bytes.Clone(b[:BlockSize])
	copy(b[:BlockSize], b[BlockSize:2*BlockSize])
	copy(b[BlockSize:], b0)
	img, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Segments) != 1 || img.Segments[0].Address != 0x08000080 || len(img.Segments[0].Data) != 600 {
		t.Errorf("segments = %v", img.Segments)
	}
}

func TestParseErrors(t *testing.T) {
	var buf bytes.Buffer
	Write(&buf, sample(), Options{})
	good := buf.Bytes()
	le := binary.LittleEndian
	mod := func(f func(b []byte)) []byte { b := bytes.Clone(good); f(b); return b }
	tests := []struct {
		name string
		in   []byte
		want string
		err  error
	}{
		{"empty", nil, "the file is empty", firmware.ErrInvalid},
		{"truncated", good[:len(good)-10], "not a multiple of 512: it is truncated", firmware.ErrInvalid},
		{"missing last blocks", good[:2*BlockSize], "says it has 4 blocks but holds 2", firmware.ErrInvalid},
		{"bad magic", mod(func(b []byte) { b[BlockSize+508] = 0 }), "byte 512 (block 1): block magic numbers are wrong", firmware.ErrInvalid},
		{"wrong family", mod(func(b []byte) { le.PutUint32(b[28:], 0xe48bff56) }), "family ID 0xe48bff56 is not STM32F4", firmware.ErrUnsupported},
		{"duplicate block", mod(func(b []byte) { le.PutUint32(b[BlockSize+20:], 0) }), "block number 0 appears twice", firmware.ErrInvalid},
		{"hole", append(bytes.Clone(good[:BlockSize]), good[2*BlockSize:]...), "says it has 4 blocks but holds 3: blocks are missing", firmware.ErrInvalid},
		{"block number out of range", mod(func(b []byte) { le.PutUint32(b[20:], 9) }), "block number 9 is not below the block count 4", firmware.ErrInvalid},
		{"count differs", mod(func(b []byte) { le.PutUint32(b[BlockSize+24:], 3) }), "block count 3 differs from the 4", firmware.ErrInvalid},
		{"payload too big", mod(func(b []byte) { le.PutUint32(b[16:], 477) }), "payload size 477 is more than 476", firmware.ErrInvalid},
		{"past 4 GiB", mod(func(b []byte) { le.PutUint32(b[3*BlockSize+12:], 0xFFFFFFFE) }), "3 bytes at 0xfffffffe go past 4 GiB", firmware.ErrInvalid},
		{"overlap", mod(func(b []byte) { le.PutUint32(b[BlockSize+12:], 0x08000090) }), "segments overlap", firmware.ErrInvalid},
		{"file container", mod(func(b []byte) { le.PutUint32(b[8:], FlagFile) }), "file-container block", firmware.ErrUnsupported},
		{"no main-flash data", mod(func(b []byte) {
			for i := 0; i < len(b); i += BlockSize {
				le.PutUint32(b[i+8:], FlagFamily|FlagNotMain)
			}
		}), "none of the 4 blocks holds data for main flash", firmware.ErrInvalid},
		{"no payload", mod(func(b []byte) {
			for i := 0; i < len(b); i += BlockSize {
				le.PutUint32(b[i+16:], 0)
			}
		}), "none of the 4 blocks holds data for main flash", firmware.ErrInvalid},
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

func TestFamilyAbsentAccepted(t *testing.T) {
	var buf bytes.Buffer
	Write(&buf, sample(), Options{})
	b := buf.Bytes()
	for i := 0; i < len(b); i += BlockSize {
		binary.LittleEndian.PutUint32(b[i+8:], 0)
		binary.LittleEndian.PutUint32(b[i+28:], 12345) // file size, not a family
	}
	if _, err := Parse(b); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	Write(&buf, sample(), Options{})
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:BlockSize])
	f.Fuzz(func(t *testing.T, b []byte) {
		img, err := Parse(b)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, img, Options{}); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		if back.Size() != img.Size() {
			t.Fatalf("round trip changed the size")
		}
	})
}
