package enter_test

import (
	"context"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

// TestUpdatable: boards in DFU mode and applications with a known entry
// method qualify; an unknown maker's serial port only when the method is
// forced.
func TestUpdatable(t *testing.T) {
	for _, spec := range []string{"feather-f405:dfu", "nucleo-f446re:runtime", "feather-f405"} {
		w := world(t, spec, 1)
		b := board.Board{Info: device(t, w, "1-1"), Mode: board.ModeOf(device(t, w, "1-1").Descriptors)}
		if !enter.Updatable(b, false) {
			t.Errorf("%s (%s): not updatable", spec, b.Mode)
		}
	}
	w := world(t, "blackpill-f411:arduino", 1)
	info := device(t, w, "1-1")
	info.Descriptors.Device.Vendor = 0x2341 // another maker's VID
	b := board.Board{Info: info, Mode: board.ModeOf(info.Descriptors)}
	if enter.Updatable(b, false) {
		t.Error("an unknown maker's serial port is updatable without a forced method")
	}
	if !enter.Updatable(b, true) {
		t.Error("an unknown maker's serial port is not updatable with a forced method")
	}
}

// TestSummary: a bootloader is told by its chip, an application by how it
// is entered and the ROM serial it will have.
func TestSummary(t *testing.T) {
	ctx := context.Background()
	for spec, want := range map[string]string{"feather-f405:dfu": "STM32F405", "feather-f405": "enter: repl,1200bps, ROM serial "} {
		w := world(t, spec, 1)
		b := board.Describe(ctx, w, device(t, w, "1-1"))
		if got := enter.Summary(b); !strings.HasPrefix(got, want) {
			t.Errorf("%s: Summary = %q; want it to start with %q", spec, got, want)
		}
	}
	if got := enter.Summary(board.Board{Mode: board.DFU}); got != "" {
		t.Errorf("a bootloader without alternate settings: %q", got)
	}
}
