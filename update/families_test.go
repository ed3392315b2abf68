package update_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// familyBoards is one simulated board per family beyond the STM32F4
// (docs/FAMILIES.md).
var familyBoards = []string{"nucleo-f207zg", "nucleo-f722ze", "nucleo-f767zi", "nucleo-h743zi", "nucleo-l476rg",
	"nucleo-g0b1re", "nucleo-g431rb", "nucleo-wb55", "at-start-f437", "gd32f405-fc", "apm32f407-mini"}

// TestFamiliesFlashVerifyLeave flashes an application on every family's
// board in process, verifies it, leaves the ROM and sees the application
// come back; then a second run with one byte changed writes one erase
// unit.
func TestFamiliesFlashVerifyLeave(t *testing.T) {
	for _, name := range familyBoards {
		t.Run(name, func(t *testing.T) {
			w, err := sim.New([]sim.Spec{{Board: name, Mode: "dfu"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			p := b.Part()
			app := sim.AppImage(p, "micropython", 40000)
			rep := runFamily(t, w, app, update.Options{ExpectApp: true, Estimate: true})
			if st := b.State(); st.Run != sim.RunApp || st.Persona != "micropython" || rep.App == nil {
				t.Fatalf("after the update the board runs %+v (app %v), want the application", st, rep.App)
			}
			if !bytes.Equal(b.Flash()[:len(app)], app) {
				t.Fatal("flash does not hold the image")
			}
			if rep.Result == nil || rep.Result.Verified < len(app) {
				t.Fatalf("result %+v", rep.Result)
			}
			// One byte changed far from the vector table: that erase
			// unit, and the boot unit first (it holds the vector table)
			// when that is another unit.
			b.SetBoot0(true)
			b.Reset()
			app[30000] ^= 0x5A
			rep = runFamily(t, w, app, update.Options{ExpectApp: true})
			es := rep.Plan.Erased()
			switch boot := rep.Plan.Sectors[0]; {
			case len(es) == 0 || es[0].Address != p.FlashBase:
				t.Errorf("a one-byte change erased %d units, the boot unit not first:\n%s", len(es), rep.Plan)
			case boot.End() > uint64(p.FlashBase)+30000 && len(es) != 1:
				t.Errorf("a one-byte change in the boot unit erased %d units, want 1:\n%s", len(es), rep.Plan)
			case boot.End() <= uint64(p.FlashBase)+30000 && (len(es) != 2 || es[0].Reason != flash.BootReason):
				t.Errorf("a one-byte change erased %d units, want the boot unit first and one more:\n%s", len(es), rep.Plan)
			}
			b.SetBoot0(false)
		})
	}
}

func runFamily(t *testing.T, w *sim.World, app []byte, opts update.Options) *update.Report {
	t.Helper()
	devs, err := w.Devices(context.Background())
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %v %v", devs, err)
	}
	img := &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: app}}}
	rep, err := update.Run(context.Background(), w, devs[0], img, opts)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	return rep
}

// TestPagePlanMap: a dry run on a page-erase part prints a readable map,
// the runs of untouched pages on one line each.
func TestPagePlanMap(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-g431rb", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app := sim.AppImage(w.Boards()[0].Part(), "micropython", 5000)
	rep := runFamily(t, w, app, update.Options{DryRun: true})
	s := rep.Plan.String()
	if lines := strings.Count(s, "\n"); lines > 12 {
		t.Errorf("the map of 64 pages takes %d lines:\n%s", lines, s)
	}
	if !strings.Contains(s, "3-63") || !strings.Contains(s, "61*2K") || !strings.Contains(s, "page(s)") {
		t.Errorf("map:\n%s", s)
	}
}

// TestFaultMatrixFamilies runs the fault matrix of docs/RELIABILITY.md
// (every fault kind at every phase, one and three attempts) on every
// family's board: after the user's recovery a second run ends with the
// verified image running. TestFaultMatrix sweeps request numbers on the
// STM32F4 reference board as well.
func TestFaultMatrixFamilies(t *testing.T) {
	points := []sim.FaultPoint{sim.AtEnter, sim.AtSurvey, sim.AtErase, sim.AtWrite, sim.AtVerify, sim.AtLeave}
	kinds := []sim.FaultKind{sim.FaultDisconnect, sim.FaultStall, sim.FaultBusyForever, sim.FaultSlow, sim.FaultPowerLoss, sim.FaultROMReset}
	for _, name := range append(familyBoards, "nucleo-h743zi2") {
		for _, attempts := range []int{1, 3} {
			for _, k := range kinds {
				for _, p := range points {
					f := sim.Fault{Kind: k, At: p, N: 1}
					if k == sim.FaultSlow {
						f.Delay = 2 * time.Second
					}
					t.Run(fmt.Sprintf("%s/attempts=%d/%s", name, attempts, f), func(t *testing.T) {
						faultRun(t, name, f, attempts)
					})
				}
			}
		}
	}
}

func faultRun(t *testing.T, name string, f sim.Fault, attempts int) {
	w, err := sim.New([]sim.Spec{{Board: name, Mode: "dfu"}}, sim.Options{Faults: []sim.Fault{f}})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	want := sim.AppImage(b.Part(), "", 40000)
	img := &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: want}}}
	_, err = run(t, w, img, update.Options{Attempts: attempts})
	if attempts > 1 && f.Kind != sim.FaultBusyForever && err != nil {
		t.Errorf("first run with %d attempts: %v", attempts, err)
	}
	if err == nil && !bytes.Equal(b.Flash()[:len(want)], want) {
		t.Fatal("first run succeeded but flash differs from the image")
	}
	if b.State().Run != sim.RunROM || f.Kind == sim.FaultBusyForever {
		b.Reset()
	}
	if _, err := run(t, w, img, update.Options{}); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if !bytes.Equal(b.Flash()[:len(want)], want) {
		t.Fatal("after the second run the flash differs from the image")
	}
	if st := b.State(); st.Run != sim.RunApp {
		t.Fatalf("after the second run the board is %v (%s), want the application", st.Run, st.Reason)
	}
}
