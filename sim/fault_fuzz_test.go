package sim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// FuzzParseSpecs: a board list parses or fails with a one-line error, and
// what parses names catalog boards and prints back the same.
func FuzzParseSpecs(f *testing.F) {
	for _, s := range []string{"nucleo-f446re", "feather-f405:dfu,nucleo-f446re", "discovery-f407:circuitpython", ",", "x:y:z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		specs, err := sim.ParseSpecs(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for _, sp := range specs {
			if sim.Boards[sp.Board] == nil {
				t.Fatalf("parsed unknown board %q", sp.Board)
			}
			again, err := sim.ParseSpecs(sp.String())
			if err != nil || len(again) != 1 || again[0] != sp {
				t.Fatalf("%+v prints as %q which parses to %v, %v", sp, sp.String(), again, err)
			}
		}
	})
}

// FuzzROMFaults drives a ROM with a fault armed at a fuzzed point and an
// arbitrary request sequence: no panic, no hang, every GETSTATUS answer is
// valid, and the board always ends up on the bus again (in the ROM, as
// BOOT0 is high) after a reset.
func FuzzROMFaults(f *testing.F) {
	f.Add(uint8(4), uint8(3), uint8(1), []byte{0x21, 1, 0, 5, 0x41, 0, 0, 0, 8, 0xA1, 3, 0, 6})
	f.Add(uint8(1), uint8(4), uint8(2), []byte{0x21, 1, 2, 4, 1, 2, 3, 4, 0xA1, 3, 0, 6, 0x21, 1, 0, 0, 0xA1, 3, 0, 6})
	f.Add(uint8(2), uint8(0), uint8(3), []byte{0xA1, 2, 2, 64, 0xA1, 2, 3, 64})
	f.Fuzz(func(t *testing.T, kind, point, n uint8, prog []byte) {
		fault := sim.Fault{Kind: sim.FaultKind(kind%6 + 1), At: sim.FaultPoint(point%7 + 1), N: int(n%8) + 1, Delay: 2 * time.Second}
		w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{Faults: []sim.Fault{fault}})
		if err != nil {
			t.Fatal(err)
		}
		b := w.Boards()[0]
		ctx := context.Background()
		for p := prog; len(p) >= 4; {
			g := b.Gadget()
			if g == nil || b.State().Run != sim.RunROM {
				break // left to an application: not the ROM's requests any more
			}
			s := usb.Setup{RequestType: p[0], Request: p[1], Value: uint16(p[2]), Index: 0, Length: uint16(p[3]) * 8}
			p = p[4:]
			var out []byte
			if !s.In() {
				k := min(int(s.Length), len(p))
				out, p = p[:k], p[k:]
				s.Length = uint16(k)
			}
			in, _ := g.Control(ctx, s, out)
			if len(in) > int(s.Length) {
				t.Fatalf("answer of %d bytes to wLength %d", len(in), s.Length)
			}
			st, err := g.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), nil)
			if err == nil && (len(st) != 6 || st[4] > 10 || st[0] > 15) {
				t.Fatalf("GETSTATUS answer % x", st)
			}
		}
		b.Reset()
		if b.Gadget() == nil || b.State().Run != sim.RunROM {
			t.Fatalf("after reset the board is %v", b.State())
		}
	})
}
