package board

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

// TestReadAndVerifyDocuments: what read saved and what verify found, in
// JSON and for people.
func TestReadAndVerifyDocuments(t *testing.T) {
	ctx := context.Background()
	s, _ := openSim(t, "feather-f405:dfu")
	img, err := s.ReadImage(ctx, 0x08000000, 4096, nil)
	if err != nil || len(img.Segments) != 1 || len(img.Segments[0].Data) != 4096 || img.Format != "bin" {
		t.Fatalf("ReadImage: %+v, %v", img, err)
	}
	crc := fmt.Sprintf("0x%08x", img.CRC32())
	d := ReadDone(img, "1-1", "out.bin")
	b, _ := json.Marshal(d)
	if want := `{"address":"0x08000000","crc32":"` + crc + `","file":"out.bin","length":4096}`; string(b) != want {
		t.Errorf("read document %s, want %s", b, want)
	}
	if want := "read 4096 bytes at 0x08000000-0x08000fff from 1-1 into out.bin (CRC-32 " + crc + ")"; d.Text != want {
		t.Errorf("read text %q, want %q", d.Text, want)
	}

	c, err := s.Verify(ctx, img, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(c.Document(img, "out.bin"))
	if want := `{"bytes":4096,"crc32":"` + crc + `","differing_bytes":0,"file":"out.bin"}`; string(b) != want {
		t.Errorf("verify document %s, want %s", b, want)
	}
	if got, want := c.Matched(img, "1-1", "out.bin"), "1-1 matches out.bin: 4096 bytes in 1 segment(s), CRC-32 "+crc; got != want {
		t.Errorf("matched %q, want %q", got, want)
	}
	other := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000010, Data: []byte{img.Segments[0].Data[16] ^ 1, img.Segments[0].Data[17]}}}}
	c, _ = s.Verify(ctx, other, nil)
	if d := c.Document(other, "x.bin"); d.First != "0x08000010" || d.Differing != 1 || d.Bytes != 2 {
		t.Errorf("verify document of a difference %+v", d)
	}
}
