package update

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
)

// TestSummaryJSON pins the result data of the CLI's --json flash: its
// field names and their order, and which fields a report leaves out.
func TestSummaryJSON(t *testing.T) {
	plan := &flash.Plan{Estimate: 1234 * time.Millisecond, Sectors: []flash.SectorPlan{
		{Sector: dfu.Sector{Index: 0, Address: 0x08000000, Size: 16384}, Action: flash.EraseProgram, ImageBytes: 16384, Reason: "why"},
		{Sector: dfu.Sector{Index: 1, Address: 0x08004000, Size: 16384}, Action: flash.Unchanged, ImageBytes: 100, Kept: 3, Lost: 4},
		{Sector: dfu.Sector{Index: 2, Address: 0x08008000, Size: 16384}, Action: flash.Untouched},
	}}
	res := &flash.Result{Erased: 1, Written: 16384, Verified: 9, EraseTime: time.Second, WriteTime: 2 * time.Second, VerifyTime: 3 * time.Millisecond,
		Sectors: []flash.SectorResult{{Sector: dfu.Sector{Index: 0}, Erased: true, Written: 16384}, {Sector: dfu.Sector{Index: 1}}}}
	app := &usb.DeviceInfo{Path: "1-1", Descriptors: usb.Descriptors{Device: usb.DeviceDescriptor{SerialIndex: 1, ProductIndex: 2}, Strings: map[uint8]string{1: "ser", 2: "prod"}}}
	st := &BoardState{Read: true, Vectors: "bootable", Recovery: "r", Sectors: []SectorState{{Index: 0, State: "good"}}}
	for _, c := range []struct {
		rep  *Report
		err  error
		want string
	}{
		{nil, errors.New("x"), `{"id":"0483:df11","serial":"S1"}`},
		{&Report{}, nil, `{"attempts":0,"board_time_ms":0,"id":"0483:df11","left":false,"serial":"S1","transfers":0}`},
		{&Report{Plan: plan}, nil, `{"attempts":0,"board_time_ms":0,"dry_run":true,"estimate_ms":1234,"id":"0483:df11","left":false,"sectors":[{"address":"0x08000000","erase_reason":"why","image_bytes":16384,"index":0,"kept":0,"lost":0,"plan":"erase+write","size":16384},{"address":"0x08004000","image_bytes":100,"index":1,"kept":3,"lost":4,"plan":"unchanged","size":16384},{"address":"0x08008000","index":2,"plan":"untouched","size":16384}],"serial":"S1","transfers":0,"unchanged_sectors":1}`},
		{&Report{Plan: plan, Result: res, Left: true, App: app, Transfers: 7, Attempts: 2, Elapsed: time.Second}, nil, `{"app":{"id":"0000:0000","path":"1-1","product":"prod","serial":"ser"},"attempts":2,"board_time_ms":1000,"dry_run":false,"erase_ms":1000,"erased_sectors":1,"estimate_ms":1234,"id":"0483:df11","left":true,"sectors":[{"address":"0x08000000","erase_reason":"why","erased":true,"image_bytes":16384,"index":0,"kept":0,"lost":0,"plan":"erase+write","size":16384,"written":16384},{"address":"0x08004000","erased":false,"image_bytes":100,"index":1,"kept":3,"lost":4,"plan":"unchanged","size":16384,"written":0},{"address":"0x08008000","index":2,"plan":"untouched","size":16384}],"serial":"S1","transfers":7,"unchanged_sectors":1,"verified_bytes":9,"verify_ms":3,"write_ms":2000,"written_bytes":16384}`},
		{&Report{Result: res, State: st}, errors.New("x"), `{"attempts":0,"board_time_ms":0,"erased_sectors":1,"id":"0483:df11","left":false,"serial":"S1","state":{"read":true,"verified":false,"sectors":[{"index":0,"address":0,"state":"good"}],"vectors":"bootable","recovery":"r"},"transfers":0,"verified_bytes":9,"written_bytes":16384}`},
		{&Report{Plan: &flash.Plan{}}, errors.New("x"), `{"attempts":0,"board_time_ms":0,"dry_run":false,"estimate_ms":0,"id":"0483:df11","left":false,"sectors":null,"serial":"S1","transfers":0,"unchanged_sectors":0}`},
	} {
		got, err := json.Marshal(c.rep.Summary("S1", "0483:df11", c.err))
		if err != nil || string(got) != c.want {
			t.Errorf("Summary:\n got %s (%v)\nwant %s", got, err, c.want)
		}
	}
}
