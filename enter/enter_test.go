package enter_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

func world(t *testing.T, specs string, seed uint64) *sim.World {
	t.Helper()
	s, err := sim.ParseSpecs(specs)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(s, sim.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func device(t *testing.T, w *sim.World, path string) usb.DeviceInfo {
	t.Helper()
	devs, err := w.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Path == path {
			return d
		}
	}
	t.Fatalf("no device on %s", path)
	return usb.DeviceInfo{}
}

func TestEnterEveryPersonaAndMethod(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		force  enter.Method
		want   enter.Method
		detect []enter.Method
	}{
		{"feather-f405", "", enter.REPL, []enter.Method{enter.REPL, enter.Touch1200}},
		{"feather-f405:circuitpython", enter.Touch1200, enter.Touch1200, nil},
		{"feather-f405:micropython", "", enter.RawREPL, []enter.Method{enter.RawREPL}},
		{"nucleo-f446re:runtime", "", enter.Detach, []enter.Method{enter.Detach}},
		{"blackpill-f411:arduino", "", enter.Touch1200, []enter.Method{enter.Touch1200}},
		{"discovery-f429", "", enter.REPL, nil},
	} {
		t.Run(tc.spec+"/"+string(tc.want), func(t *testing.T) {
			for seed := uint64(1); seed <= 8; seed++ {
				w := world(t, tc.spec, seed)
				b := w.Boards()[0]
				app := device(t, w, "1-1")
				if tc.detect != nil {
					if got := enter.Methods(app.Descriptors); !equal(got, tc.detect) {
						t.Fatalf("Methods = %v, want %v", got, tc.detect)
					}
				}
				res, err := enter.Enter(context.Background(), w, app, enter.Options{Method: tc.force, Quiet: time.Millisecond})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if res.Method != tc.want {
					t.Errorf("method %s, want %s", res.Method, tc.want)
				}
				if st := b.State(); st.Run != sim.RunROM {
					t.Fatalf("seed %d: board state %+v, want the ROM", seed, st)
				}
				if got := res.ROM.Descriptors.Serial(); got != b.ROMSerial() || got != res.PredictedSerial {
					t.Errorf("ROM serial %s, board's %s, predicted %s", got, b.ROMSerial(), res.PredictedSerial)
				}
				if res.ROM.ID() != "0483:df11" || res.ROM.Path != "1-1" {
					t.Errorf("ROM %s on %s", res.ROM.ID(), res.ROM.Path)
				}
			}
		})
	}
}

func equal(a, b []enter.Method) bool {
	return strings.Join(toS(a), ",") == strings.Join(toS(b), ",")
}

func toS(m []enter.Method) []string {
	var s []string
	for _, x := range m {
		s = append(s, string(x))
	}
	return s
}

// TestFeatherCrystalMisses: the reliable way reaches the ROM on every
// try, retrying through the ROM's crystal misses; the seed's direct jump
// fails about 7 times in 12.
func TestFeatherCrystalMisses(t *testing.T) {
	const n = 72
	misses, directOK := 0, 0
	for seed := uint64(1); seed <= n; seed++ {
		for _, direct := range []bool{false, true} {
			w := world(t, "feather-f405", seed)
			b := w.Boards()[0]
			before := b.ChipStats().HSEMisses
			_, err := enter.Enter(context.Background(), w, device(t, w, "1-1"), enter.Options{Direct: direct, Timeout: time.Second, Quiet: time.Millisecond})
			switch {
			case !direct && err != nil:
				t.Fatalf("seed %d: reliable entry failed: %v", seed, err)
			case !direct:
				misses += b.ChipStats().HSEMisses - before
			case err == nil:
				directOK++
			case !errors.Is(err, enter.ErrNoBootloader) || b.State().Run != sim.RunApp:
				t.Fatalf("seed %d: direct jump: %v, board %+v; want the application back", seed, err, b.State())
			}
		}
	}
	if misses < n/2 {
		t.Errorf("the reliable way met only %d crystal misses in %d entries at p=7/12", misses, n)
	}
	// 5/12 of 72 = 30, standard deviation 4.2.
	if directOK < 18 || directOK > 42 {
		t.Errorf("direct jump succeeded %d/%d times, want about 5/12", directOK, n)
	}
	t.Logf("reliable: %d/%d with %d crystal misses; direct: %d/%d", n, n, misses, directOK, n)
}

// TestOnlyTheSelectedBoardEnters: two identical boards; entering one
// leaves the other running and picks the right bootloader even when the
// other is already in the ROM.
func TestOnlyTheSelectedBoardEnters(t *testing.T) {
	w := world(t, "feather-f405,feather-f405,feather-f405:dfu", 1)
	res, err := enter.Enter(context.Background(), w, device(t, w, "1-2"), enter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bs := w.Boards()
	if bs[0].State().Run != sim.RunApp || bs[1].State().Run != sim.RunROM {
		t.Fatalf("states %v %v", bs[0].State(), bs[1].State())
	}
	if res.ROM.Path != "1-2" || res.ROM.Descriptors.Serial() != bs[1].ROMSerial() || bs[1].ROMSerial() == bs[2].ROMSerial() {
		t.Fatalf("got %s serial %s; boards' ROM serials %s %s", res.ROM.Path, res.ROM.Descriptors.Serial(), bs[1].ROMSerial(), bs[2].ROMSerial())
	}
}

func TestPredictROMSerial(t *testing.T) {
	// docs/PROTOCOL.md section 3: UID 002d0030 3334510b 32313533 -> 325E35633334.
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"30002D000B51343333353132", "325E35633334", true},
		{"325e35633334", "325E35633334", true},
		{"", "", false},
		{"XYZ", "", false},
		{"0123456789", "", false},
	} {
		got, ok := enter.PredictROMSerial(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PredictROMSerial(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	var uid [12]byte
	copy(uid[:], "\x30\x00\x2d\x00\x0b\x51\x34\x33\x33\x35\x31\x32")
	if got, _ := enter.PredictROMSerial(sim.UIDSerial(uid)); got != sim.ROMSerial(uid) {
		t.Errorf("prediction %s, simulator %s", got, sim.ROMSerial(uid))
	}
}

func TestAlreadyInDFUAndNoMethod(t *testing.T) {
	w := world(t, "feather-f405:dfu", 1)
	res, err := enter.Enter(context.Background(), w, device(t, w, "1-1"), enter.Options{})
	if err != nil || res.Method != "" || res.ROM.Path != "1-1" {
		t.Fatalf("%+v %v", res, err)
	}
	// A forced method the firmware lacks.
	w = world(t, "nucleo-f446re:runtime", 1)
	_, err = enter.Enter(context.Background(), w, device(t, w, "1-1"), enter.Options{Method: enter.REPL})
	if !errors.Is(err, enter.ErrNoMethod) {
		t.Fatalf("REPL on a run-time-only device: %v", err)
	}
	if _, err := enter.ParseMethod("jtag"); err == nil {
		t.Fatal("ParseMethod accepted jtag")
	}
	if m, err := enter.ParseMethod(""); m != "" || err != nil {
		t.Fatalf("ParseMethod(\"\") = %q, %v; want no method", m, err)
	}
	if m, err := enter.ParseMethod("raw-repl"); m != enter.RawREPL || err != nil {
		t.Fatalf("ParseMethod(raw-repl) = %q, %v", m, err)
	}
}

// TestNoTouchForUnknownSerialPorts: a serial port of a maker softdfu does not
// know (a modem, another board) is offered no entry method, since a
// 1200-baud touch resets many devices that are not STM32F4 boards.
func TestNoTouchForUnknownSerialPorts(t *testing.T) {
	w := world(t, "blackpill-f411:arduino", 1)
	d := device(t, w, "1-1").Descriptors
	d.Device.Vendor = 0x2341 // another maker's VID
	if m := enter.Methods(d); len(m) != 0 {
		t.Fatalf("Methods = %v for an unknown CDC device, want none", m)
	}
}

// TestMethodsPerBoardFirmware: enter knows the firmware of each board by
// its USB identity, offers that firmware's methods, and refuses a forced
// method the firmware does not offer with a message that names the
// firmware and the method to use, before touching the board.
func TestMethodsPerBoardFirmware(t *testing.T) {
	for _, tc := range []struct {
		spec     string
		firmware string
		methods  []enter.Method
		refused  enter.Method
		because  string
	}{
		{"nucleo-f767zi:circuitpython", "CircuitPython (Nucleo F767ZI, STM32F7)", []enter.Method{enter.REPL, enter.Touch1200}, enter.RawREPL, "the raw REPL with machine.bootloader() is MicroPython's"},
		{"nucleo-h743zi2:circuitpython", "CircuitPython (Nucleo H743ZI, STM32H7)", []enter.Method{enter.REPL, enter.Touch1200}, enter.RawREPL, "use method repl"},
		{"nucleo-l476rg:circuitpython", "CircuitPython", []enter.Method{enter.REPL, enter.Touch1200}, enter.RawREPL, "offers repl, 1200bps, not raw-repl"},
		{"nucleo-f722ze:micropython", "MicroPython", []enter.Method{enter.RawREPL}, enter.Touch1200, "MicroPython's stm32 port has no 1200-baud touch"},
		{"nucleo-h743zi:micropython", "MicroPython", []enter.Method{enter.RawREPL}, enter.REPL, "use method raw-repl"},
		{"nucleo-l476rg:micropython", "MicroPython", []enter.Method{enter.RawREPL}, enter.Touch1200, "use method raw-repl"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			w := world(t, tc.spec, 1)
			b := w.Boards()[0]
			app := device(t, w, "1-1")
			f, ok := enter.Identify(app.Descriptors)
			if !ok || f.String() != tc.firmware {
				t.Fatalf("Identify = %v %v, want %s", f, ok, tc.firmware)
			}
			if got := enter.Methods(app.Descriptors); !equal(got, tc.methods) {
				t.Fatalf("Methods = %v, want %v", got, tc.methods)
			}
			_, err := enter.Enter(context.Background(), w, app, enter.Options{Method: tc.refused, Quiet: time.Millisecond})
			if !errors.Is(err, enter.ErrNoMethod) || !strings.Contains(err.Error(), tc.because) || !strings.Contains(err.Error(), "runs "+tc.firmware) {
				t.Fatalf("forced %s: %v, want a refusal saying %q", tc.refused, err, tc.because)
			}
			if st := b.State(); st.Run != sim.RunApp || b.ChipStats().SystemResets != 0 {
				t.Fatalf("after the refusal the board is %+v, %+v; want it untouched", st, b.ChipStats())
			}
			res, err := enter.Enter(context.Background(), w, app, enter.Options{Quiet: time.Millisecond})
			if err != nil || res.Method != tc.methods[0] || b.State().Run != sim.RunROM {
				t.Fatalf("Enter: %+v %v, board %+v", res, err, b.State())
			}
		})
	}
	// The Swan R5's CircuitPython build shows Blues' VID, not Adafruit's.
	w := world(t, "nucleo-l476rg:circuitpython", 1)
	d := device(t, w, "1-1").Descriptors
	d.Device.Vendor, d.Device.Product = enter.VendorBlues, 0x0002
	if f, ok := enter.Identify(d); !ok || f.Name != "CircuitPython" || f.Family != "STM32L4" || f.Caveat == "" {
		t.Fatalf("Identify(30A4:0002) = %+v %v", f, ok)
	}
	if got := enter.Methods(d); !equal(got, []enter.Method{enter.REPL, enter.Touch1200}) {
		t.Fatalf("Methods(30A4:0002) = %v", got)
	}
	d.Device.Product = 0x0001
	if m := enter.Methods(d); len(m) != 0 {
		t.Fatalf("Methods(30A4:0001) = %v: another Blues product is not CircuitPython", m)
	}
}
