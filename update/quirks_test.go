package update_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// Each ROM quirk of the chip database (part.Quirks) reproduced on a
// simulated board, and what the host does about it.

// logLines collects a DFU transcript (dfu.Options.Log).
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }

func (l *logLines) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func board1(t *testing.T, name string) (*sim.World, *sim.Board) {
	t.Helper()
	w, err := sim.New([]sim.Spec{{Board: name, Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w, w.Boards()[0]
}

func flashWith(t *testing.T, w *sim.World, img *firmware.Image, opts update.Options) (*update.Report, error) {
	t.Helper()
	devs, err := w.Devices(context.Background())
	if err != nil || len(devs) == 0 {
		t.Fatalf("devices %v %v", devs, err)
	}
	return update.Run(context.Background(), w, devs[0], img, opts)
}

func at(addr uint32, data []byte) *firmware.Image {
	return &firmware.Image{Segments: []firmware.Segment{{Address: addr, Data: data}}}
}

// STM32L4: too short a poll timeout for a page erase, then STALLed polls
// until the erase is done. The host retries after the last poll timeout;
// without retries the update fails.
func TestQuirkL4StallsWhilePolled(t *testing.T) {
	w, b := board1(t, "nucleo-l476rg")
	var log logLines
	app := sim.AppImage(b.Part(), "micropython", 6000)
	if _, err := flashWith(t, w, at(sim.FlashBase, app), update.Options{DFU: dfu.Options{Log: log.add}}); err != nil {
		t.Fatal(err)
	}
	if log.count("GETSTATUS") == 0 || log.count("stalled") == 0 {
		t.Fatalf("no stalled GETSTATUS in the transcript (%d lines)", len(log.lines))
	}
	w, _ = board1(t, "nucleo-l476rg")
	app[100] ^= 1
	if _, err := flashWith(t, w, at(sim.FlashBase, app), update.Options{DFU: dfu.Options{StallRetries: -1}, Attempts: 1}); err == nil {
		t.Fatal("without stall retries the update succeeded: the quirk is not reproduced")
	}
}

// STM32H743 rev V: an erase stays in dfuDNBUSY; two CLRSTATUS end it. The
// host does that for the chips whose family has the quirk.
func TestQuirkH7StaysBusy(t *testing.T) {
	w, b := board1(t, "nucleo-h743zi2")
	var log logLines
	app := sim.AppImage(b.Part(), "micropython", 6000)
	if _, err := flashWith(t, w, at(sim.FlashBase, app), update.Options{DFU: dfu.Options{Log: log.add}}); err != nil {
		t.Fatal(err)
	}
	if n := log.count("CLRSTATUS"); n < 2 {
		t.Fatalf("%d CLRSTATUS in the transcript, want two after the erase", n)
	}
	if !bytes.Equal(b.Flash()[:len(app)], app) {
		t.Fatal("flash does not hold the image")
	}
	// Without the remedy an erase never finishes.
	w, _ = board1(t, "nucleo-h743zi2")
	devs, _ := w.Devices(context.Background())
	dev, err := w.Open(context.Background(), devs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	c, err := dfu.Open(context.Background(), dev, 0, 0, &dfu.Options{EraseTimeout: 10e9})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Erase(context.Background(), 0x08020000); !errors.Is(err, dfu.ErrStillBusy) {
		t.Fatalf("erase without clearing: %v, want still busy", err)
	}
}

// STM32H7: 32-byte flash words, programmed once after an erase. Pieces of
// an image that share a word go out as one aligned write; changing a byte
// of a programmed word takes an erase, never a second program.
func TestQuirkH7FlashWords(t *testing.T) {
	w, b := board1(t, "nucleo-h743zi")
	const base = 0x08020000
	img := &firmware.Image{Segments: []firmware.Segment{{Address: base + 4, Data: []byte{1, 2, 3}}, {Address: base + 40, Data: []byte{4, 5}}}}
	rep, err := flashWith(t, w, img, update.Options{NoLeave: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Plan.Runs {
		if r.Address%32 != 0 || len(r.Data)%32 != 0 {
			t.Errorf("run 0x%08x+%d is not whole flash words", r.Address, len(r.Data))
		}
	}
	got := b.Flash()[base-sim.FlashBase:][:64]
	if !bytes.Equal(got[4:7], []byte{1, 2, 3}) || !bytes.Equal(got[40:42], []byte{4, 5}) || got[0] != 0xFF {
		t.Fatalf("flash % x", got)
	}
	img.Segments[0].Data[0] = 0 // only clears bits, but the word is programmed
	rep, err = flashWith(t, w, img, update.Options{NoLeave: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Plan.Erased()) != 1 {
		t.Fatalf("a change inside a programmed flash word must erase:\n%s", rep.Plan)
	}
}

// GD32: the ROM starts the application on the zero-length DNLOAD of a
// leave, before any GETSTATUS; the host takes that as success.
func TestQuirkGD32LeavesWithoutStatus(t *testing.T) {
	w, b := board1(t, "gd32f405-fc")
	var log logLines
	app := sim.AppImage(b.Part(), "micropython", 6000)
	rep, err := flashWith(t, w, at(sim.FlashBase, app), update.Options{DFU: dfu.Options{Log: log.add}, ExpectApp: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Left || rep.App == nil || b.State().Run != sim.RunApp {
		t.Fatalf("left %v, app %v, board %+v", rep.Left, rep.App, b.State())
	}
	// The last requests: the zero-length DNLOAD answered, then the
	// GETSTATUS finds the device gone (it never answers one).
	n := len(log.lines)
	if n < 2 || !strings.HasPrefix(log.lines[n-2], "DNLOAD") || !strings.HasSuffix(log.lines[n-2], "0000 -> ok") ||
		!strings.HasPrefix(log.lines[n-1], "GETSTATUS") || strings.Contains(log.lines[n-1], "-> in") {
		t.Fatalf("the leave ends with %q", log.lines[max(0, n-2):])
	}
}

// STM32WB: the radio firmware's pages are refused before anything is
// written, and the ROM refuses them and a mass erase.
func TestQuirkWBReserved(t *testing.T) {
	w, b := board1(t, "nucleo-wb55")
	before := b.Flash()
	top := b.Part().Reserved[0].Start
	_, err := flashWith(t, w, at(top, []byte{1, 2, 3, 4}), update.Options{})
	var ie *update.ImageError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "radio firmware") {
		t.Fatalf("image in the radio firmware: %v", err)
	}
	if !bytes.Equal(b.Flash(), before) {
		t.Fatal("flash changed")
	}
	devs, _ := w.Devices(context.Background())
	dev, err := w.Open(context.Background(), devs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	c, err := dfu.Open(context.Background(), dev, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var se *dfu.StatusError
	if err := c.Erase(context.Background(), top); !errors.As(err, &se) || se.Status != dfu.ErrTarget {
		t.Errorf("erasing the radio firmware: %v, want errTARGET", err)
	}
	if err := c.Recover(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.MassErase(context.Background()); !errors.As(err, &se) || se.Status != dfu.ErrTarget {
		t.Errorf("mass erase: %v, want errTARGET", err)
	}
	if !bytes.Equal(b.Flash(), before) {
		t.Fatal("flash changed")
	}
}

// AT32: every board's ROM reports the serial "AT32"; two boards are told
// apart by port path, and the first 32 KB that the layout marks read-only
// are written.
func TestQuirkAT32SharedSerial(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "at-start-f437", Mode: "dfu"}, {Board: "at-start-f437", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	devs, err := w.Devices(context.Background())
	if err != nil || len(devs) != 2 {
		t.Fatal(devs, err)
	}
	if devs[0].Descriptors.Serial() != "AT32" || devs[1].Descriptors.Serial() != "AT32" {
		t.Fatalf("serials %q %q", devs[0].Descriptors.Serial(), devs[1].Descriptors.Serial())
	}
	b0, b1 := w.Boards()[0], w.Boards()[1]
	before := b0.Flash()
	app := sim.AppImage(b1.Part(), "micropython", 50000)
	var target = devs[1]
	for _, d := range devs {
		if d.Path == b1.Port() {
			target = d
		}
	}
	if _, err := update.Run(context.Background(), w, target, at(sim.FlashBase, app), update.Options{ExpectApp: true}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1.Flash()[:len(app)], app) || !bytes.Equal(b0.Flash(), before) {
		t.Fatal("the board on the other port changed, or this one does not hold the image")
	}
}
