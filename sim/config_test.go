package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

var (
	setInterface = func(alt uint16) usb.Setup {
		return usb.Setup{RequestType: usb.RecipientInterface, Request: usb.ReqSetInterface, Value: alt}
	}
	getInterface     = usb.Setup{RequestType: usb.DirIn | usb.RecipientInterface, Request: usb.ReqGetInterface, Length: 1}
	getConfiguration = usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetConfiguration, Length: 1}
	setConfiguration = func(v uint16) usb.Setup { return usb.Setup{Request: usb.ReqSetConfiguration, Value: v} }
)

// TestInterfaceRequestsNeedConfiguration: a device in the Address state
// has no interfaces (USB 2.0 section 9.4.10), so the simulated ROM and the
// application personas stall SET_INTERFACE and GET_INTERFACE until a host
// sets their configuration, and again after SET_CONFIGURATION 0.
func TestInterfaceRequestsNeedConfiguration(t *testing.T) {
	for _, spec := range []string{"nucleo-f446re:dfu", "feather-f405", "nucleo-f446re:runtime", "discovery-f407:micropython"} {
		t.Run(spec, func(t *testing.T) {
			specs, err := sim.ParseSpecs(spec)
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.New(specs, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			g := w.Attached("1-1") // the raw device, as a USB/IP server exports it
			if g == nil {
				t.Fatal("nothing enumerated on 1-1")
			}
			stalls := func(when string) {
				t.Helper()
				if _, err := g.Control(ctx, setInterface(0), nil); !errors.Is(err, usb.ErrStall) {
					t.Errorf("%s: SET_INTERFACE answered %v, want a stall", when, err)
				}
				if _, err := g.Control(ctx, getInterface, nil); !errors.Is(err, usb.ErrStall) {
					t.Errorf("%s: GET_INTERFACE answered %v, want a stall", when, err)
				}
			}
			stalls("unconfigured")
			if in, err := g.Control(ctx, getConfiguration, nil); err != nil || len(in) != 1 || in[0] != 0 {
				t.Errorf("GET_CONFIGURATION before configuring = %v %v, want [0]", in, err)
			}
			if _, err := g.Control(ctx, setConfiguration(2), nil); !errors.Is(err, usb.ErrStall) {
				t.Errorf("SET_CONFIGURATION 2 (no such configuration) answered %v, want a stall", err)
			}
			if _, err := g.Control(ctx, setConfiguration(1), nil); err != nil {
				t.Fatalf("SET_CONFIGURATION 1: %v", err)
			}
			if _, err := g.Control(ctx, setInterface(0), nil); err != nil {
				t.Errorf("configured: SET_INTERFACE 0: %v", err)
			}
			if in, err := g.Control(ctx, getInterface, nil); err != nil || len(in) != 1 || in[0] != 0 {
				t.Errorf("configured: GET_INTERFACE = %v %v, want [0]", in, err)
			}
			if _, err := g.Control(ctx, setConfiguration(0), nil); err != nil {
				t.Fatalf("SET_CONFIGURATION 0: %v", err)
			}
			stalls("unconfigured again")
		})
	}
}

// TestOpenConfigures: the in-process host configures a device when it
// opens it, as an operating system does when it enumerates one.
func TestOpenConfigures(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	devs, err := w.Devices(ctx)
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %v %v", devs, err)
	}
	d, err := w.Open(ctx, devs[0])
	if err != nil {
		t.Fatal(err)
	}
	in := make([]byte, 1)
	if n, err := d.Control(ctx, getConfiguration, in); err != nil || n != 1 || in[0] != 1 {
		t.Fatalf("GET_CONFIGURATION after Open = %v (%d bytes, %v), want [1]", in, n, err)
	}
	if err := d.SetAlternate(ctx, 0, 1); err != nil {
		t.Fatalf("SET_INTERFACE alt 1 after Open: %v", err)
	}
}
