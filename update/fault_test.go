package update_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
)

// testImage is a 100 KiB application: it spans sectors 0-4 (16K x4, 64K).
func testImage() *firmware.Image {
	p := sim.Parts["STM32F446RE"]
	return &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: sim.AppImage(p, "", 100<<10)}}}
}

// newBoard returns a world with one board in the ROM bootloader and the
// DFU device on it.
func newBoard(t *testing.T, faults []sim.Fault) (*sim.World, usb.DeviceInfo) {
	t.Helper()
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	devs, err := w.Devices(context.Background())
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices: %v %v", devs, err)
	}
	return w, devs[0]
}

// run flashes img with a wall-clock deadline: a hang fails the test
// instead of stalling it (simulated time makes a healthy run take
// milliseconds).
func run(t *testing.T, w *sim.World, img *firmware.Image, opts update.Options) (*update.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	info, err := board.WaitDFU(ctx, w, "1-1", nil, time.Second)
	if err != nil {
		t.Fatalf("waiting for the board: %v", err)
	}
	if info == nil {
		return nil, fmt.Errorf("no board in DFU mode")
	}
	rep, err := update.Run(ctx, w, *info, img, opts)
	if ctx.Err() != nil {
		t.Fatalf("run hung past its deadline: %v", err)
	}
	return rep, err
}

// TestFaultMatrix injects every fault at every point (and at a sweep of
// request numbers), runs the update, then - after the user's recovery when
// the board needs it (reset with BOOT0 high) - runs the same update again
// without faults, and checks that the board ends with the verified image
// and runs it.
func TestFaultMatrix(t *testing.T) {
	img := testImage()
	want := img.Segments[0].Data
	var faults []sim.Fault
	points := []sim.FaultPoint{sim.AtEnter, sim.AtSurvey, sim.AtErase, sim.AtWrite, sim.AtVerify, sim.AtLeave}
	kinds := []sim.FaultKind{sim.FaultDisconnect, sim.FaultStall, sim.FaultBusyForever, sim.FaultSlow, sim.FaultPowerLoss, sim.FaultROMReset}
	for _, k := range kinds {
		for _, p := range points {
			for _, n := range []int{1, 3} {
				faults = append(faults, sim.Fault{Kind: k, At: p, N: n, Delay: 2 * time.Second})
			}
		}
		step := 13
		if testing.Short() {
			step = 60
		}
		for n := 1; n < 220; n += step {
			faults = append(faults, sim.Fault{Kind: k, At: sim.AtRequest, N: n, Delay: 2 * time.Second})
		}
	}
	for _, attempts := range []int{1, 3} {
		for _, f := range faults {
			if f.Kind != sim.FaultSlow {
				f.Delay = 0
			}
			name := fmt.Sprintf("attempts=%d/%s", attempts, f)
			t.Run(name, func(t *testing.T) {
				w, _ := newBoard(t, []sim.Fault{f})
				b := w.Boards()[0]
				rep, err := run(t, w, img, update.Options{Attempts: attempts})
				fired := len(b.Fired()) > 0
				if err != nil && rep.State != nil {
					if len(rep.State.Sectors) == 0 || rep.State.Recovery == "" {
						t.Errorf("failed run's state is empty: %+v", rep.State)
					}
				}
				// With retries, only a ROM stuck busy needs the user.
				if attempts > 1 && f.Kind != sim.FaultBusyForever && err != nil {
					t.Errorf("first run with %d attempts: %v", attempts, err)
				}
				if err == nil && !bytes.Equal(b.Flash()[:len(want)], want) {
					t.Fatalf("first run succeeded (fired %v) but flash differs from the image", fired)
				}
				// The user's recovery: BOOT0 is high on this board; press
				// reset when the board is not in the bootloader or stuck.
				if b.State().Run != sim.RunROM || f.Kind == sim.FaultBusyForever {
					b.Reset()
				}
				if _, err := run(t, w, img, update.Options{}); err != nil {
					t.Fatalf("second run (first: %v, fired %v): %v", err, fired, err)
				}
				if !bytes.Equal(b.Flash()[:len(want)], want) {
					t.Fatal("after the second run the flash differs from the image")
				}
				if st := b.State(); st.Run != sim.RunApp {
					t.Fatalf("after the second run the board is %v (%s), want the application", st.Run, st.Reason)
				}
			})
		}
	}
}

// TestRetryFinishesJob: with the default attempts, faults the host can
// survive never need a second command.
func TestRetryFinishesJob(t *testing.T) {
	img := testImage()
	tests := []string{"disconnect@write:3", "power-loss@write:30", "stall@req:17", "slow@write:2s", "rom-reset@verify", "power-loss@write:5", "disconnect@survey:2"}
	for _, spec := range tests {
		faults, err := sim.ParseFaults(spec)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := newBoard(t, faults)
		rep, err := run(t, w, img, update.Options{})
		if err != nil {
			t.Errorf("%s: %v", spec, err)
			continue
		}
		if len(w.Boards()[0].Fired()) != 1 {
			t.Errorf("%s: fault did not fire", spec)
		}
		if rep.Attempts < 2 {
			t.Errorf("%s: %d attempts, want a retry", spec, rep.Attempts)
		}
		if !bytes.Equal(w.Boards()[0].Flash()[:img.Size()], img.Segments[0].Data) {
			t.Errorf("%s: flash differs from the image", spec)
		}
	}
}

// TestFailureReportsState: a power loss in the middle of an erase, without
// retries, reports the sector as partly erased, the vector table broken,
// and the recovery.
func TestFailureReportsState(t *testing.T) {
	img := testImage()
	w, _ := newBoard(t, []sim.Fault{{Kind: sim.FaultPowerLoss, At: sim.AtErase, N: 1}})
	rep, err := run(t, w, img, update.Options{Attempts: 1})
	if err == nil {
		t.Fatal("no error")
	}
	st := rep.State
	if st == nil || !st.Read {
		t.Fatalf("state %+v", st)
	}
	if st.Sectors[0].State != update.SectorPartial {
		t.Errorf("sector 0 is %q, want partial", st.Sectors[0].State)
	}
	if st.Vectors == "bootable" || st.Vectors == "unknown" {
		t.Errorf("vectors %q", st.Vectors)
	}
	if !strings.Contains(st.String(), "hold BOOT0 high and press reset") {
		t.Errorf("no recovery in %q", st.String())
	}
}

// TestFaultAfterSoftwareEntry: a board entered from software has BOOT0
// low, so a reset during the survey brings back its application; the host
// enters the bootloader again and finishes.
func TestFaultAfterSoftwareEntry(t *testing.T) {
	for _, spec := range []string{"rom-reset@survey", "power-loss@enter:2"} {
		faults, _ := sim.ParseFaults(spec)
		w, err := sim.New([]sim.Spec{{Board: "feather-f405"}}, sim.Options{Seed: 2, Faults: faults})
		if err != nil {
			t.Fatal(err)
		}
		b := w.Boards()[0]
		devs, _ := w.Devices(context.Background())
		img := image(b.Part())
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		rep, err := update.Run(ctx, w, devs[0], img, update.Options{Enter: &enter.Options{Quiet: 1}})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", spec, err)
		}
		if len(b.Fired()) != 1 || rep.Attempts != 2 || !bytes.Equal(b.Flash()[:img.Size()], img.Segments[0].Data) {
			t.Fatalf("%s: fired %v, %d attempts", spec, b.Fired(), rep.Attempts)
		}
	}
}

// TestRetryCountsEarlierAttempts: a write cut by a disconnect and
// finished by the retry reports what both attempts did: every byte of the
// image written (the retry finds the first attempt's sectors unchanged),
// the erases of the first attempt, and no sector "skipped" that the first
// attempt wrote.
func TestRetryCountsEarlierAttempts(t *testing.T) {
	img := testImage()
	w, _ := newBoard(t, []sim.Fault{{Kind: sim.FaultDisconnect, At: sim.AtWrite, N: 20}})
	rep, err := run(t, w, img, update.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Attempts != 2 {
		t.Fatalf("%d attempts, want 2", rep.Attempts)
	}
	res := rep.Result
	if res.Written < img.Size() || res.Verified < img.Size() || res.Erased < 1 {
		t.Errorf("result over both attempts: erased %d, wrote %d, verified %d; the image has %d bytes", res.Erased, res.Written, res.Verified, img.Size())
	}
	for _, s := range res.Sectors {
		if s.Written == 0 {
			t.Errorf("sector %d: nothing written over both attempts (%+v)", s.Index, s)
		}
	}
	if s := res.Sectors[0]; !s.Erased || s.Written != 0x4000 {
		t.Errorf("sector 0: %+v, want erased and 16384 bytes written", s)
	}
}

// TestBusyForeverDiagnosis: a ROM that stops making progress is named as
// stuck (dfu.ErrStuck: it refuses requests and reports dfuDNBUSY with
// nothing pending) wherever it happens, never as a short read or a
// malformed descriptor; a long operation that never ends is still busy
// past its deadline. When it happens while leaving, after the image was
// verified, the report says the sectors hold the verified image.
func TestBusyForeverDiagnosis(t *testing.T) {
	img := testImage()
	for _, c := range []struct {
		at    sim.FaultPoint
		stuck bool
	}{
		{sim.AtEnter, true}, {sim.AtSurvey, true}, {sim.AtVerify, true}, {sim.AtLeave, true},
		{sim.AtErase, false}, {sim.AtWrite, false},
	} {
		t.Run(c.at.String(), func(t *testing.T) {
			w, _ := newBoard(t, []sim.Fault{{Kind: sim.FaultBusyForever, At: c.at, N: 1}})
			rep, err := run(t, w, img, update.Options{})
			if !errors.Is(err, dfu.ErrStillBusy) {
				t.Fatalf("error %v, want dfu.ErrStillBusy", err)
			}
			if errors.Is(err, dfu.ErrStuck) != c.stuck {
				t.Errorf("error %v: errors.Is(ErrStuck) = %v, want %v", err, !c.stuck, c.stuck)
			}
			var se *dfu.StatusError
			if !errors.As(err, &se) || se.State != dfu.StateDnbusy || !strings.Contains(se.Remedy(), "power-cycle") {
				t.Errorf("error %v: want a *dfu.StatusError in dfuDNBUSY whose remedy power-cycles the board", err)
			}
			if rep.Attempts != 1 {
				t.Errorf("%d attempts: a stuck ROM needs the user, retrying cannot help", rep.Attempts)
			}
			if c.at != sim.AtLeave {
				return
			}
			if rep.State == nil || !rep.State.Verified || rep.State.Vectors != "bootable" {
				t.Fatalf("state %+v: want the verified sectors and a bootable vector table", rep.State)
			}
			for _, s := range rep.State.Sectors {
				if s.State != update.SectorGood {
					t.Errorf("sector %d %s, want good (verified before the failure)", s.Index, s.State)
				}
			}
			if got := rep.State.String(); !strings.Contains(got, "as verified before the failure") || strings.Contains(got, "unknown") {
				t.Errorf("state says %q", got)
			}
		})
	}
}

// TestNoUSBFirmwareWaitsShort: firmware without USB (the blinky persona)
// costs the application wait only board.AppEnumeration of the board's
// clock after the bootloader left, not the 5 s of a timeout, and the
// events say why; --expect-app (ExpectApp) still waits the whole time.
func TestNoUSBFirmwareWaitsShort(t *testing.T) {
	p := sim.Parts["STM32F446RE"]
	img := &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: sim.AppImage(p, "blinky", 16<<10)}}}
	for _, expect := range []bool{false, true} {
		w, _ := newBoard(t, nil)
		var said []string
		var left time.Time
		clock := w.Boards()[0].Clock()
		rep, err := run(t, w, img, update.Options{ExpectApp: expect, Events: func(ev board.Event) {
			if ps, ok := ev.(board.PhaseStarted); ok && ps.Phase == board.WaitingForApp {
				left = clock.Now()
			}
			if s, ok := ev.(fmt.Stringer); ok {
				said = append(said, s.String())
			}
		}})
		waited := clock.Now().Sub(left)
		if expect {
			if !errors.Is(err, board.ErrNoApp) || waited < 5*time.Second {
				t.Errorf("ExpectApp: %v after %v of board time, want ErrNoApp after 5s", err, waited)
			}
			continue
		}
		if err != nil || rep.App != nil {
			t.Fatalf("run: %v, app %v", err, rep.App)
		}
		if waited < board.AppEnumeration || waited >= 5*time.Second {
			t.Errorf("waited %v of board time for an application that has no USB, want about %v", waited, board.AppEnumeration)
		}
		if !strings.Contains(strings.Join(said, "\n"), "no USB device appeared within 1.5s") {
			t.Errorf("events %q do not say why the wait ended", said)
		}
	}
}
