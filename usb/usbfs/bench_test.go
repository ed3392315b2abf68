package usbfs

import (
	"context"
	"testing"
)

// BenchmarkScan measures one enumeration of the fixture tree (three
// directories: root hub, hub, composite device).
func BenchmarkScan(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := scan(ctx, appTree, "/dev"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseDescriptors measures parsing the ROM bootloader's
// descriptors attribute.
func BenchmarkParseDescriptors(b *testing.B) {
	d, err := readDevice(romTree, "1-1.2", "/dev")
	if err != nil {
		b.Fatal(err)
	}
	raw := append(d.info.Descriptors.Device.Marshal(), d.info.Descriptors.Configs[0].Marshal()...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseDescriptors(raw); err != nil {
			b.Fatal(err)
		}
	}
}
