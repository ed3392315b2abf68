package ihex

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/softdfu/softdfu/firmware"
)

// BenchmarkRead2MB reads an Intel HEX file describing a 2 MiB image (16
// data bytes per record, about 5.6 MB of text). B/op (all bytes allocated
// during one read) bounds the peak heap of a read from above; the
// "alloc/image" metric is B/op divided by the image size.
func BenchmarkRead2MB(b *testing.B) {
	const size = 2 << 20
	data := make([]byte, size)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: data}}, Entry: 0x08000101}
	var text bytes.Buffer
	if err := Write(&text, img, Options{CRLF: true}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(text.Len()))
	b.ReportAllocs()
	var got *firmware.Image
	for b.Loop() {
		var err error
		got, err = Read(bytes.NewReader(text.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
	}
	if got.Size() != size {
		b.Fatalf("read %d bytes, want %d", got.Size(), size)
	}
	b.ReportMetric(float64(text.Len())/1e6, "MB-text")
}
