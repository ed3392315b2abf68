package firmware

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestDescriptionLines: info FILE's text, with the segment table's
// columns lined up.
func TestDescriptionLines(t *testing.T) {
	vt := []byte{0x00, 0x00, 0x02, 0x20, 0x01, 0x02, 0x00, 0x08}
	img := &Image{Segments: []Segment{{Address: 0x08000000, Data: append(vt, make([]byte, 8)...)}, {Alt: 12, Address: 0x1fff7800, Data: make([]byte, 512)}}, Format: "ihex", Entry: 0x08000201}
	got := strings.Join(img.Describe("app.hex").Lines(), "\n")
	want := `app.hex: ihex, 528 bytes in 2 segment(s), CRC-32 0x` + fmt.Sprintf("%08x", img.CRC32()) + `
  ALT  START       END         SIZE
  0    0x08000000  0x0800000f  16
  12   0x1fff7800  0x1fff79ff  512
entry point 0x08000201
vector table at 0x08000000: initial SP 0x20020000, reset 0x08000201
looks bootable on an STM32F4`
	if got != want {
		t.Errorf("lines\n%s\nwant\n%s", got, want)
	}
	img = &Image{Segments: []Segment{{Address: 0x08000000, Data: append(vt, make([]byte, 8)...)}}, Format: "dfuse", Vendor: 0x0483, Product: 0xdf11}
	lines := img.Describe("app.dfu").Lines()
	if !slices.Contains(lines, "DFU suffix: 0483:df11 bcdDevice 0000") || lines[len(lines)-1] != "looks bootable on an STM32F4" {
		t.Errorf("lines %q", lines)
	}
	img = &Image{Segments: []Segment{{Address: 0x08000000, Data: make([]byte, 64)}}, Format: "bin"}
	lines = img.Describe("junk.bin").Lines()
	if slices.Contains(lines, "looks bootable on an STM32F4") || !strings.HasPrefix(lines[len(lines)-1], "warning: ") {
		t.Errorf("lines %q", lines)
	}
}
