package update_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/update"
)

func TestCheckBoot(t *testing.T) {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	if err != nil {
		t.Fatal(err)
	}
	vt := func(addr, msp, reset uint32) *firmware.Image {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint32(b, msp)
		binary.LittleEndian.PutUint32(b[4:], reset)
		return &firmware.Image{Segments: []firmware.Segment{{Address: addr, Data: b}}}
	}
	tests := []struct {
		name string
		img  *firmware.Image
		ok   bool
	}{
		{"SRAM end", vt(0x08000000, 0x20020000, 0x08000199), true},
		{"CCM end (F405)", vt(0x08000000, 0x10010000, 0x08000199), true},
		{"SRAM start", vt(0x08000000, 0x20000000, 0x08000199), false},
		{"past SRAM", vt(0x08000000, 0x20020004, 0x08000199), false},
		{"even reset", vt(0x08000000, 0x20020000, 0x08000198), false},
		{"reset outside flash", vt(0x08000000, 0x20020000, 0x00000199), false},
		{"erased", vt(0x08000000, 0xFFFFFFFF, 0xFFFFFFFF), false},
		{"not at the boot address", vt(0x08004000, 0, 0), true},
	}
	for _, tc := range tests {
		err := update.CheckBoot(tc.img, l)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && !errors.Is(err, update.ErrUnbootable) {
			t.Errorf("%s: %v is not ErrUnbootable", tc.name, err)
		}
	}
}

func TestGuardUnbootable(t *testing.T) {
	img := testImage()
	data := append([]byte(nil), img.Segments[0].Data...)
	binary.LittleEndian.PutUint32(data, 0x30000000)
	bad := &firmware.Image{Segments: []firmware.Segment{{Address: img.Segments[0].Address, Data: data}}}
	w, _ := newBoard(t, nil)
	before := w.Boards()[0].Flash()
	_, err := run(t, w, bad, update.Options{})
	var ge *update.GuardError
	if !errors.As(err, &ge) || !errors.Is(err, update.ErrUnbootable) {
		t.Fatalf("got %v, want a GuardError", err)
	}
	if !bytes.Equal(before, w.Boards()[0].Flash()) {
		t.Fatal("flash changed though the guard refused")
	}
	if _, err := run(t, w, bad, update.Options{Override: true, NoLeave: true}); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if !bytes.Equal(w.Boards()[0].Flash()[:len(data)], data) {
		t.Fatal("--force did not write the image")
	}
}

func TestGuardWriteProtected(t *testing.T) {
	img := testImage()
	w, _ := newBoard(t, nil)
	b := w.Boards()[0]
	ob := b.OptionBytes(0)
	ob[8] &^= 1 << 2 // protect sector 2
	b.SetOptionBytes(0, ob)
	b.Reset()
	before := b.Flash()
	_, err := run(t, w, img, update.Options{})
	if !errors.Is(err, update.ErrWriteProtected) {
		t.Fatalf("got %v, want ErrWriteProtected", err)
	}
	if !bytes.Equal(before, b.Flash()) {
		t.Fatal("flash changed though the guard refused")
	}
	if _, err := run(t, w, img, update.Options{Override: true, DryRun: true}); err != nil {
		t.Fatalf("--force --dry-run: %v", err)
	}
	if b.OptionBytes(0) != ob || !bytes.Equal(before, b.Flash()) {
		t.Fatal("a dry run changed the board")
	}
	var notes []board.Event
	rep, err := run(t, w, img, update.Options{Override: true, Events: func(e board.Event) {
		if _, ok := e.(board.WriteUnprotecting); ok {
			notes = append(notes, e)
		}
	}})
	if err != nil {
		t.Fatalf("--force: %v", err)
	}
	if !bytes.Equal(b.Flash()[:img.Size()], img.Segments[0].Data) {
		t.Fatal("--force did not write the image")
	}
	if got := b.OptionBytes(0); got[8]&(1<<2) == 0 || got[1] != ob[1] {
		t.Fatalf("option bytes after --force: % x", got)
	}
	if len(notes) != 1 || rep.Attempts != 1 {
		t.Fatalf("notes %q, attempts %d", notes, rep.Attempts)
	}
}

func TestBackup(t *testing.T) {
	img := testImage()
	for _, all := range []bool{false, true} {
		w, _ := newBoard(t, nil)
		before := w.Boards()[0].Flash()
		var got *firmware.Image
		_, err := run(t, w, img, update.Options{BackupAll: all, Backup: func(b *firmware.Image) error {
			if !bytes.Equal(w.Boards()[0].Flash(), before) {
				t.Error("flash changed before the backup")
			}
			got = b
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		want := 128 << 10 // sectors 0-4: 4x16K + 64K
		if all {
			want = len(before)
		}
		if got == nil || len(got.Segments) != 1 || len(got.Segments[0].Data) != want || !bytes.Equal(got.Segments[0].Data, before[:want]) {
			t.Fatalf("all=%v: backup %v, want the first %d bytes of flash", all, got, want)
		}
	}
	w, _ := newBoard(t, nil)
	before := w.Boards()[0].Flash()
	_, err := run(t, w, img, update.Options{Backup: func(*firmware.Image) error { return errors.New("disk full") }})
	var be *update.BackupError
	if !errors.As(err, &be) || !bytes.Equal(before, w.Boards()[0].Flash()) {
		t.Fatalf("backup failure: %v", err)
	}
}

func TestOverriding(t *testing.T) {
	for _, c := range []struct {
		guard error
		want  string
	}{
		{&update.GuardError{Err: update.ErrUnknownPart, Detail: "d"}, "writing a device whose flash layout is not a known STM32F4 one: d"},
		{fmt.Errorf("wrapped: %w", &update.GuardError{Err: errors.New("bad vectors"), Detail: "d"}), "writing it anyway: bad vectors: d"},
		{errors.New("other"), "writing it anyway: other"},
	} {
		if got := update.Overriding(c.guard); got != c.want {
			t.Errorf("Overriding(%v) = %q, want %q", c.guard, got, c.want)
		}
	}
}

// TestGuardNeedsAddress: an unbootable image may be a raw binary at the
// wrong load address, and says so as firmware.ErrAddressNeeded; the other
// guards do not.
func TestGuardNeedsAddress(t *testing.T) {
	unbootable := fmt.Errorf("flashing: %w", &update.GuardError{Err: update.ErrUnbootable, Detail: "at 0x08000000: ..."})
	if !errors.Is(unbootable, firmware.ErrAddressNeeded) || !errors.Is(unbootable, update.ErrUnbootable) {
		t.Errorf("unbootable: %v", unbootable)
	}
	if err := (&update.GuardError{Err: update.ErrWriteProtected}); errors.Is(err, firmware.ErrAddressNeeded) {
		t.Errorf("write-protected: %v matches ErrAddressNeeded", err)
	}
}
