package fwfile

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

// BenchmarkLoadHex2MB loads (from disk, through format detection and the
// DFU suffix check) an Intel HEX file describing a 2 MiB image. B/op bounds
// the peak heap of one load from above.
func BenchmarkLoadHex2MB(b *testing.B) {
	data := make([]byte, 2<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	p := filepath.Join(b.TempDir(), "fw.hex")
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: data}}}
	if err := Write(p, img, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		got, err := Load(p, LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if got.Size() != len(data) {
			b.Fatal("short read")
		}
	}
}
