package dfu_test

import (
	"context"
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/usb"
)

// instant is a DfuSe device that answers at once: every DNLOAD is
// accepted, every GETSTATUS says dfuDNLOAD-IDLE/OK, every UPLOAD returns
// the bytes asked for. It measures the host's own cost per request.
type instant struct {
	n     int
	state dfu.State
}

func (d *instant) Info() usb.DeviceInfo {
	return usb.DeviceInfo{Host: "instant", Descriptors: usb.Descriptors{Configs: []usb.ConfigDescriptor{dfuseConfig()}}}
}
func (d *instant) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	d.n++
	switch {
	case s.Request == usb.ReqGetDescriptor:
		return copy(data, []byte{4, 3, 'F', 0}), nil
	case s.In() && s.Request == uint8(dfu.ReqGetStatus):
		if d.state == 0 {
			d.state = dfu.StateIdle
		}
		copy(data, []byte{0, 0, 0, 0, byte(d.state), 0})
		return 6, nil
	case s.Request == uint8(dfu.ReqAbort):
		d.state = dfu.StateIdle
	case s.Request == uint8(dfu.ReqDnload):
		d.state = dfu.StateDnloadIdle
	}
	return len(data), nil
}
func (d *instant) Claim(context.Context, uint8) error                   { return nil }
func (d *instant) SetAlternate(context.Context, uint8, uint8) error     { return nil }
func (d *instant) Transfer(context.Context, uint8, []byte) (int, error) { return 0, nil }
func (d *instant) Close() error                                         { return nil }

func dfuseConfig() usb.ConfigDescriptor {
	raw := []byte{
		9, 2, 27, 0, 1, 1, 0, 0x80, 50,
		9, 4, 0, 0, 0, 0xfe, 1, 2, 4,
		9, 0x21, 0x0b, 0xff, 0, 0, 8, 0x1a, 1,
	}
	c, err := usb.ParseConfigDescriptor(raw)
	if err != nil {
		panic(err)
	}
	return c
}

// BenchmarkDownloadBlock is the host's cost of writing one 2048-byte
// block (DNLOAD and GETSTATUS) against a device that answers at once;
// allocs/op are the allocations per block.
func BenchmarkDownloadBlock(b *testing.B) {
	ctx := context.Background()
	dev := &instant{}
	c, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 64*2048)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := c.Download(ctx, 0x08000000, data, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(dev.n), "ns/request")
	b.ReportMetric(float64(b.N*64), "blocks")
}

// BenchmarkUploadBlock is the host's cost of reading one 2048-byte block.
func BenchmarkUploadBlock(b *testing.B) {
	ctx := context.Background()
	dev := &instant{}
	c, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Upload(ctx, 0x08000000, 64*2048, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(dev.n), "ns/request")
}
