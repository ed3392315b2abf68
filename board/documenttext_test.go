package board

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestDocumentLines: info's and option-bytes' text of a dual-bank F429,
// line by line: names, ROM, part, the UID line, the memory map, and both
// option-byte blocks raw and decoded.
func TestDocumentLines(t *testing.T) {
	ctx := context.Background()
	s, _ := openSim(t, "discovery-f429:dfu")
	doc, err := s.Document(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lines := doc.Lines("")
	want := []string{
		`board 1-1 (sim) 0483:df11 "STM32  BOOTLOADER" serial 3366355B3236`,
		"ROM bootloader: bcdDevice 0x2200, DFU 1.1a transfer size 2048 detach timeout 255 ms attributes 0x0b (download,upload,will-detach)",
		"part (inferred from the flash layout): STM32F427/429/437/439 (2 MB, dual bank)",
		UIDNote,
		"memory:",
		"  alt 0  @Internal Flash/0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg",
	}
	if len(lines) < len(want) || !slices.Equal(lines[:len(want)], want) {
		t.Errorf("lines\n%s\nwant them to start with\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	tail := []string{
		"option bytes at 0x1fffc000: ef aa ff ff ff ff ff ff ff 0f ff ff ff ff ff ff",
		"option bytes at 0x1ffec000: ef aa ff ff ff ff ff ff ff 0f ff ff ff ff ff ff",
		"  RDP 0xaa: read protection level 0",
		"  USER 0xef: nRST_STDBY=1 nRST_STOP=1 WDG_SW=1 (software watchdog) BOR off",
		"  write-protected sectors: none",
	}
	if len(lines) < len(tail) || !slices.Equal(lines[len(lines)-len(tail):], tail) {
		t.Errorf("lines\n%s\nwant them to end with\n%s", strings.Join(lines, "\n"), strings.Join(tail, "\n"))
	}
	if got := doc.Lines("UID known")[3]; got != "UID known" {
		t.Errorf("UID line %q", got)
	}

	d, err := s.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listing := d.OptionBytes.Document(d.Chip, d.Flash).Listing("1-1")
	want = []string{
		"option bytes of 1-1:",
		"  at 0x1fffc000: ef aa ff ff ff ff ff ff ff 0f ff ff ff ff ff ff",
		"  at 0x1ffec000: ef aa ff ff ff ff ff ff ff 0f ff ff ff ff ff ff",
		"  RDP 0xaa: read protection level 0",
		"  USER 0xef: nRST_STDBY=1 nRST_STOP=1 WDG_SW=1 (software watchdog) BOR off",
		"  write-protected sectors: none",
	}
	if !slices.Equal(listing, want) {
		t.Errorf("listing\n%s\nwant\n%s", strings.Join(listing, "\n"), strings.Join(want, "\n"))
	}
}
