package sim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		in   string
		want []sim.Fault
	}{
		{"", nil},
		{"disconnect@write:3", []sim.Fault{{Kind: sim.FaultDisconnect, At: sim.AtWrite, N: 3}}},
		{"power-loss@erase", []sim.Fault{{Kind: sim.FaultPowerLoss, At: sim.AtErase, N: 1}}},
		{"stall@req:17", []sim.Fault{{Kind: sim.FaultStall, At: sim.AtRequest, N: 17}}},
		{"busy-forever@erase", []sim.Fault{{Kind: sim.FaultBusyForever, At: sim.AtErase, N: 1}}},
		{"slow@write:2s", []sim.Fault{{Kind: sim.FaultSlow, At: sim.AtWrite, N: 1, Delay: 2 * time.Second}}},
		{"slow@verify:4:500ms", []sim.Fault{{Kind: sim.FaultSlow, At: sim.AtVerify, N: 4, Delay: 500 * time.Millisecond}}},
		{"rom-reset@verify, disconnect@enter:2", []sim.Fault{
			{Kind: sim.FaultROMReset, At: sim.AtVerify, N: 1},
			{Kind: sim.FaultDisconnect, At: sim.AtEnter, N: 2},
		}},
		{"stall@leave,stall@survey:9", []sim.Fault{
			{Kind: sim.FaultStall, At: sim.AtLeave, N: 1},
			{Kind: sim.FaultStall, At: sim.AtSurvey, N: 9},
		}},
	}
	for _, tc := range tests {
		got, err := sim.ParseFaults(tc.in)
		if err != nil {
			t.Errorf("ParseFaults(%q): %v", tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("ParseFaults(%q) = %v, want %v", tc.in, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseFaults(%q)[%d] = %+v, want %+v", tc.in, i, got[i], tc.want[i])
			}
			// String gives the grammar back.
			again, err := sim.ParseFaults(got[i].String())
			if err != nil || len(again) != 1 || again[0] != got[i] {
				t.Errorf("%+v: String %q parses to %v, %v", got[i], got[i].String(), again, err)
			}
		}
	}
}

func TestParseFaultsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"disconnect", "no '@'"},
		{"explode@write", `unknown kind "explode"`},
		{"stall@flash", `unknown point "flash"`},
		{"stall@req", "req needs a request number"},
		{"slow@write", "slow needs a delay"},
		{"stall@write:2s", "only slow takes a delay"},
		{"stall@write:0", "count \"0\""},
		{"stall@write:99999999999", "count"},
		{"slow@write:-1s", "delay"},
		{"slow@write:2h", "delay"},
		{"slow@write:1s:2s", "two delays"},
		{"stall@write:1:2", "two counts"},
		{"stall@write:", "empty field"},
		{"stall@write,,", "fault 2"},
		{"stall@write:x", "only slow takes a delay"},
	}
	for _, tc := range tests {
		_, err := sim.ParseFaults(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFaults(%q) error %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

// FuzzParseFaults: any input parses or fails with an error, never panics,
// and what parses prints back to the same faults.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"disconnect@write:3", "power-loss@erase", "stall@req:17", "busy-forever@erase",
		"slow@write:2s", "rom-reset@verify", "slow@verify:4:500ms,stall@leave", "x@y:z", "@:", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := sim.ParseFaults(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, x := range fs {
			again, err := sim.ParseFaults(x.String())
			if err != nil || len(again) != 1 || again[0] != x {
				t.Fatalf("%+v prints as %q which parses to %v, %v", x, x.String(), again, err)
			}
		}
	})
}

// TestBusyForeverStallsTheTrigger: the request that makes the ROM stuck is
// answered as every later one is (docs/RELIABILITY.md): a STALL, or
// dfuDNBUSY for a GETSTATUS; never a status block as the answer to
// another request.
func TestBusyForeverStallsTheTrigger(t *testing.T) {
	getStatus := usb.ClassInterfaceIn(3, 0, 0, 6)
	for _, c := range []struct {
		fault string
		req   usb.Setup
		out   []byte
	}{
		{"busy-forever@enter:2", usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescDevice << 8, Length: 18}, nil},
		{"busy-forever@survey", usb.ClassInterfaceIn(2, 2, 0, 2048), nil},
		{"busy-forever@leave", usb.ClassInterfaceOut(1, 2, 0, 0), nil},
	} {
		faults, err := sim.ParseFaults(c.fault)
		if err != nil {
			t.Fatal(err)
		}
		w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{Faults: faults})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		devs, _ := w.Devices(ctx)
		d, err := w.Open(ctx, devs[0]) // SET_CONFIGURATION: enter:1
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, c.req.Length)
		if n, err := d.Control(ctx, c.req, buf); !errors.Is(err, usb.ErrStall) {
			t.Errorf("%s: the triggering request got %d bytes % x (%v), want a stall", c.fault, n, buf[:n], err)
		}
		if len(w.Boards()[0].Fired()) != 1 {
			t.Fatalf("%s did not fire", c.fault)
		}
		st := make([]byte, 6)
		if n, err := d.Control(ctx, getStatus, st); err != nil || n != 6 || st[4] != 4 {
			t.Errorf("%s: GETSTATUS after it = % x (%v), want dfuDNBUSY", c.fault, st[:n], err)
		}
	}
}
