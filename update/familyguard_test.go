package update_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
)

// familyRun runs an update of app on the world's only board.
func familyRun(t *testing.T, w *sim.World, app []byte, opts update.Options) error {
	t.Helper()
	devs, err := w.Devices(context.Background())
	if err != nil || len(devs) != 1 {
		t.Fatalf("devices %v %v", devs, err)
	}
	img := &firmware.Image{Segments: []firmware.Segment{{Address: sim.FlashBase, Data: app}}}
	_, err = update.Run(context.Background(), w, devs[0], img, opts)
	return err
}

// The write-protection guard on families beyond the STM32F4: an image
// touching a protected sector or page is refused before anything is
// written. On the STM32F7 --force removes the protection through the ROM
// (the 32-byte block with its complements) and flashes; where softdfu
// does not write the layout (L4, H7) --force is refused too, naming
// STM32CubeProgrammer.
func TestGuardWriteProtectedFamilies(t *testing.T) {
	for _, c := range []struct {
		board   string
		protect func(blk []byte) // sets the protection of unit 1 or 2
		removes bool
	}{
		{"nucleo-f722ze", func(b []byte) { b[8] &^= 1 << 1; b[10] = ^b[8] }, true},
		{"nucleo-l476rg", func(b []byte) { b[0x18], b[0x1A] = 2, 3 }, false},
		{"nucleo-h743zi", func(b []byte) { b[0x1C] &^= 1 << 0 }, false},
	} {
		t.Run(c.board, func(t *testing.T) {
			w, err := sim.New([]sim.Spec{{Board: c.board, Mode: "dfu"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			blk := b.OptionBlock(0)
			c.protect(blk)
			b.SetOptionBlock(0, blk)
			b.Reset()
			app := sim.AppImage(b.Part(), "micropython", 40000)
			before := b.Flash()
			err = familyRun(t, w, app, update.Options{})
			if !errors.Is(err, update.ErrWriteProtected) {
				t.Fatalf("got %v, want ErrWriteProtected", err)
			}
			if !bytes.Equal(before, b.Flash()) {
				t.Fatal("flash changed though the guard refused")
			}
			err = familyRun(t, w, app, update.Options{Override: true})
			if !c.removes {
				if !errors.Is(err, update.ErrWriteProtected) || !strings.Contains(err.Error(), "cannot remove the protection") || !strings.Contains(err.Error(), "STM32CubeProgrammer") {
					t.Fatalf("--force: %v", err)
				}
				if !bytes.Equal(before, b.Flash()) || !bytes.Equal(b.OptionBlock(0), blk) {
					t.Fatal("the board changed though softdfu cannot remove the protection")
				}
				return
			}
			if err != nil {
				t.Fatalf("--force: %v", err)
			}
			if !bytes.Equal(b.Flash()[:len(app)], app) {
				t.Fatal("--force did not write the image")
			}
			if got := b.OptionBlock(0); got[8] != 0xFF || got[10] != 0x00 || got[1] != 0xAA {
				t.Fatalf("option bytes after --force: % x", got)
			}
		})
	}
}
