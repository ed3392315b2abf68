package update

import (
	"slices"
	"testing"
	"time"

	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
)

// TestReportDone: what a job that got through did, in the words of every
// outcome: verified or not, left or not, an application or none.
func TestReportDone(t *testing.T) {
	res := &flash.Result{Erased: 1, Written: 16384, Verified: 16384, EraseTime: time.Second, WriteTime: time.Second}
	app := &usb.DeviceInfo{Path: "1-1", Descriptors: usb.Descriptors{Device: usb.DeviceDescriptor{Vendor: 0x239a, Product: 0x8031, SerialIndex: 1, ProductIndex: 2}, Strings: map[uint8]string{1: "ser", 2: "prod"}}}
	rep := &Report{Result: res, Left: true, App: app, Transfers: 7, Attempts: 1, Elapsed: 1234567 * time.Microsecond}
	want := []string{res.Times(),
		"flashed 1-1: erased 1 sector(s), wrote 16384 bytes, verified 16384 bytes, 1.235s board time, 7 USB control transfers",
		`application started: 239a:8031 "prod" serial ser on 1-1`}
	if got := rep.Done("1-1"); !slices.Equal(got, want) {
		t.Errorf("Done\n%q\nwant\n%q", got, want)
	}
	for _, c := range []struct {
		rep        Report
		line, last string
	}{
		{Report{Result: &flash.Result{}, Plan: &flash.Plan{Verify: true}, Attempts: 2},
			"flashed 1-1 in attempt 2 of the job: erased 0 sector(s), wrote 0 bytes, nothing written, nothing to verify, 0s board time, 0 USB control transfers",
			"the board stays in the ROM bootloader"},
		{Report{Result: &flash.Result{Written: 4}, Left: true},
			"flashed 1-1: erased 0 sector(s), wrote 4 bytes, not verified, 0s board time, 0 USB control transfers",
			"the board left the bootloader; no USB device appeared (expected for firmware without USB)"},
	} {
		got := c.rep.Done("1-1")
		if len(got) != 3 || got[1] != c.line || got[2] != c.last {
			t.Errorf("Done %q\nwant %q, %q", got, c.line, c.last)
		}
	}
}
