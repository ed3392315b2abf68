package sim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// FuzzROMRequests drives the ROM with arbitrary request sequences. Whatever
// the host sends, the ROM must not panic, must always answer GETSTATUS with
// a valid state, and must never change flash while read-protected.
func FuzzROMRequests(f *testing.F) {
	f.Add([]byte{0x21, 1, 0, 5, 0x21, 0, 0, 0, 8, 0xA1, 3, 0, 6})
	f.Add([]byte{0x21, 1, 0, 1, 0x41, 0xA1, 3, 0, 6, 0xA1, 3, 0, 6})
	f.Add([]byte{0x21, 1, 2, 4, 1, 2, 3, 4, 0xA1, 3, 0, 6, 0x21, 1, 0, 0, 0xA1, 3, 0, 6})
	f.Add([]byte{0xA1, 2, 0, 64, 0x21, 6, 0, 0, 0x21, 4, 0, 0, 0x01, 11, 1, 0})
	f.Fuzz(func(t *testing.T, prog []byte) {
		for _, protect := range []bool{false, true} {
			w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			if protect {
				ob := b.OptionBytes(0)
				ob[1] = 0x55
				b.SetOptionBytes(0, ob)
				b.Reset()
			}
			before := b.Flash()
			g := b.Gadget()
			ctx := context.Background()
			for p := prog; len(p) >= 4; {
				s := usb.Setup{RequestType: p[0], Request: p[1], Value: uint16(p[2]), Index: 0, Length: uint16(p[3]) * 8}
				p = p[4:]
				var out []byte
				if !s.In() {
					n := min(int(s.Length), len(p))
					out, p = p[:n], p[n:]
					s.Length = uint16(n)
				}
				in, err := g.Control(ctx, s, out)
				if errors.Is(err, usb.ErrGone) {
					break
				}
				if len(in) > int(s.Length) {
					t.Fatalf("answer of %d bytes to wLength %d", len(in), s.Length)
				}
				st, err := g.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), nil)
				if errors.Is(err, usb.ErrGone) {
					break
				}
				if err == nil && (len(st) != 6 || st[4] > 10 || st[0] > 15) {
					t.Fatalf("GETSTATUS answer % x", st)
				}
			}
			if protect && b.RDPLevel() == 1 && string(b.Flash()) != string(before) {
				t.Fatal("flash changed under read protection")
			}
		}
	})
}
