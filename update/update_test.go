package update_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// TestRunEntersFromApplication: a board that runs its application is
// entered from software, flashed, and comes back with the new firmware;
// without Options.Enter the board is refused with ErrNotInDFU.
func TestRunEntersFromApplication(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		method enter.Method
	}{
		{"feather-f405", enter.REPL},
		{"feather-f405:micropython", enter.RawREPL},
		{"nucleo-f446re:runtime", enter.Detach},
		{"blackpill-f401:arduino", enter.Touch1200},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			specs, _ := sim.ParseSpecs(tc.spec)
			w, err := sim.New(specs, sim.Options{Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			devs, _ := w.Devices(context.Background())
			if _, err := update.Run(context.Background(), w, devs[0], image(b.Part()), update.Options{}); !errors.Is(err, board.ErrNotInDFU) {
				t.Fatalf("without Enter: %v, want ErrNotInDFU", err)
			}
			rep, err := update.Run(context.Background(), w, devs[0], image(b.Part()), update.Options{Enter: &enter.Options{Quiet: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Entered == nil || rep.Entered.Method != tc.method || rep.Board.Descriptors.Serial() != b.ROMSerial() {
				t.Fatalf("entered %+v, board %s", rep.Entered, rep.Board)
			}
			if rep.App == nil || rep.App.ID() != "f055:9800" || b.State().Persona != "micropython" {
				t.Fatalf("after the update: app %v, board %+v", rep.App, b.State())
			}
		})
	}
}

// image is a MicroPython-persona application for p.
func image(p *sim.Part) *firmware.Image {
	return &firmware.Image{Segments: []firmware.Segment{{Address: p.FlashBase, Data: sim.AppImage(p, "micropython", 4096)}}}
}

// An update that writes only a sector past the first must still start the
// application at the flash base: the ROM jumps to its address pointer,
// which the last write left at that sector.
func TestLeaveStartsFlashBaseAfterPartialUpdate(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	p := b.Part()
	old := sim.AppImage(p, "circuitpython", 64<<10)
	if err := b.WriteFlash(p.FlashBase, old); err != nil {
		t.Fatal(err)
	}
	img := append([]byte(nil), old...)
	img[0x8000+100] ^= 0xFF // sector 2 only
	devs, err := w.Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := update.Run(context.Background(), w, devs[0], &firmware.Image{Segments: []firmware.Segment{{Address: p.FlashBase, Data: img}}}, update.Options{ExpectApp: true})
	if err != nil {
		t.Fatalf("%v (board: %+v)", err, b.State())
	}
	if len(rep.Plan.Runs) != 1 || rep.Plan.Runs[0].Address != 0x08008000 {
		t.Fatalf("runs %v, want one at sector 2", rep.Plan.Runs)
	}
	if st := b.State(); st.Run != sim.RunApp || st.Persona != "circuitpython" {
		t.Fatalf("after the update the board runs %+v, want the application", st)
	}
}

// A dry run on a board that runs its application enters the bootloader to
// survey it, then starts the application again, unchanged.
func TestDryRunRestartsEnteredBoard(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405"}}, sim.Options{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	before := b.Flash()
	devs, _ := w.Devices(context.Background())
	rep, err := update.Run(context.Background(), w, devs[0], image(b.Part()), update.Options{DryRun: true, Enter: &enter.Options{Quiet: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entered == nil || rep.Result != nil || rep.Plan == nil {
		t.Fatalf("dry run: entered %v, result %v, plan %v", rep.Entered, rep.Result, rep.Plan != nil)
	}
	if st := b.State(); st.Run != sim.RunApp || st.Persona != "circuitpython" {
		t.Fatalf("after the dry run the board runs %+v, want its application", st)
	}
	if rep.App == nil || !bytes.Equal(b.Flash(), before) {
		t.Fatalf("app %v; flash changed: %v", rep.App, !bytes.Equal(b.Flash(), before))
	}
}

// A DfuSe device whose flash is not laid out like any STM32F4 (another
// chip's ROM, a third-party loader) is not written unless forced.
func TestUnknownPartGuard(t *testing.T) {
	p := *sim.Parts["STM32F446RE"]
	p.Name = "TEST-ODD"
	p.Sectors = p.Sectors[:2] // 2x16K: no STM32F4 looks like this
	p.AltNames[0] = "@Internal Flash  /0x08000000/02*016Kg"
	sim.Parts[p.Name] = &p
	sim.Boards["test-odd"] = &sim.BoardModel{Name: "test-odd", Part: &p, HSEMHz: 8}
	defer delete(sim.Parts, p.Name)
	defer delete(sim.Boards, "test-odd")
	w, err := sim.New([]sim.Spec{{Board: "test-odd", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	img := &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: sim.AppImage(&p, "", 4096)}}}
	before := b.Flash()
	devs, _ := w.Devices(context.Background())
	_, err = update.Run(context.Background(), w, devs[0], img, update.Options{NoLeave: true})
	var ge *update.GuardError
	if !errors.As(err, &ge) || !errors.Is(err, update.ErrUnknownPart) {
		t.Fatalf("got %v, want a GuardError wrapping ErrUnknownPart", err)
	}
	if !bytes.Equal(b.Flash(), before) {
		t.Fatal("the guard let something be written")
	}
	if _, err := update.Run(context.Background(), w, devs[0], img, update.Options{NoLeave: true, Override: true}); err != nil {
		t.Fatalf("with Override: %v", err)
	}
	if !bytes.Equal(b.Flash()[:4096], img.Segments[0].Data) {
		t.Fatal("with Override the image was not written")
	}
}

// TestEnterFlashLeaveF7H7L4: on the F7, H7 and L4 boards, CircuitPython
// and MicroPython firmware are entered from software with each firmware's
// own method (the device library with the family's registers and ROM
// address on the chip), flashed, verified and left; the new application
// runs afterwards.
func TestEnterFlashLeaveF7H7L4(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		id     string
		method enter.Method
	}{
		{"nucleo-f722ze:circuitpython", "239a:8031", enter.REPL},
		{"nucleo-f722ze:micropython", "f055:9800", enter.RawREPL},
		{"nucleo-f767zi:circuitpython", "239a:809a", enter.REPL},
		{"nucleo-h743zi:micropython", "f055:9800", enter.RawREPL},
		{"nucleo-h743zi2:circuitpython", "239a:8098", enter.REPL},
		{"nucleo-h743zi2:micropython", "f055:9800", enter.RawREPL},
		{"nucleo-l476rg:circuitpython", "239a:8031", enter.REPL},
		{"nucleo-l476rg:micropython", "f055:9800", enter.RawREPL},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			specs, _ := sim.ParseSpecs(tc.spec)
			w, err := sim.New(specs, sim.Options{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			devs, _ := w.Devices(context.Background())
			if len(devs) != 1 || devs[0].ID() != tc.id {
				t.Fatalf("devices %v, want one %s", devs, tc.id)
			}
			rep, err := update.Run(context.Background(), w, devs[0], image(b.Part()), update.Options{Enter: &enter.Options{Quiet: 1}})
			if err != nil {
				t.Fatalf("%v (board %+v, chip %s)", err, b.State(), b.ChipState())
			}
			if rep.Entered == nil || rep.Entered.Method != tc.method || rep.Board.Descriptors.Serial() != b.ROMSerial() {
				t.Fatalf("entered %+v, board %s", rep.Entered, rep.Board)
			}
			if rep.Result == nil || rep.Result.Verified == 0 {
				t.Fatalf("result %+v, want a verified write", rep.Result)
			}
			if s := b.ChipStats(); s.ROMEntries != 1 {
				t.Errorf("chip stats %+v, want one ROM entry", s)
			}
			if rep.App == nil || rep.App.ID() != "f055:9800" || b.State().Persona != "micropython" {
				t.Fatalf("after the update: app %v, board %+v", rep.App, b.State())
			}
		})
	}
}
