package enter_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/sim"
)

// TestOpen: a board running its application is refused unless Open may
// enter it; entered, it is opened in the bootloader and Leave starts the
// application again.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	w := world(t, "feather-f405", 1)
	if _, err := enter.Open(ctx, w, board.Query{}, enter.OpenOptions{}); !errors.As(err, new(*board.NotInDFUError)) || !errors.Is(err, board.ErrNotInDFU) {
		t.Fatalf("without Enter: %v", err)
	}
	var told string
	s, err := enter.Open(ctx, w, board.Query{}, enter.OpenOptions{Enter: &enter.Options{}, Entered: func(app board.Board, _ *enter.Result) { told = app.Path }})
	if err != nil || s.Entered == nil || s.Entered.Method == "" || told != "1-1" {
		t.Fatalf("with Enter: %v, %+v, told %q", err, s, told)
	}
	if w.Boards()[0].State().Run != sim.RunROM {
		t.Fatalf("board runs %v, want the ROM", w.Boards()[0].State().Run)
	}
	app, err := enter.Leave(ctx, s.Session)
	if err != nil || app == nil || board.InDFU(*app) {
		t.Fatalf("Leave: %v, %v", app, err)
	}
}

// TestOpenDFU: a board already in the bootloader is opened as it is.
func TestOpenDFU(t *testing.T) {
	w := world(t, "feather-f405:dfu", 1)
	s, err := enter.Open(context.Background(), w, board.Query{}, enter.OpenOptions{Enter: &enter.Options{}})
	if err != nil || s.Entered != nil {
		t.Fatalf("Open: %v, %+v", err, s)
	}
	s.Close()
}

// TestOpenFor: a board that runs its application is entered for reading
// and for changing, not for the bootloader itself; Release starts it
// again after reading only, and leaves a board found in the bootloader
// there.
func TestOpenFor(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		spec     string
		purpose  enter.Purpose
		entered  bool
		wantRuns sim.Run
	}{
		{"feather-f405", enter.ForReading, true, sim.RunApp},
		{"feather-f405", enter.ForChanging, true, sim.RunROM},
		{"feather-f405:dfu", enter.ForReading, false, sim.RunROM},
	}
	for _, tt := range tests {
		w := world(t, tt.spec, 1)
		s, err := enter.Open(ctx, w, board.Query{}, enter.OpenOptions{For: tt.purpose})
		if err != nil || (s.Entered != nil) != tt.entered {
			t.Fatalf("%s, %v: Open: %v, %+v", tt.spec, tt.purpose, err, s)
		}
		app, err := s.Release(ctx)
		if err != nil || (app != nil) != (tt.wantRuns == sim.RunApp) {
			t.Fatalf("%s, %v: Release: %v, %v", tt.spec, tt.purpose, app, err)
		}
		if got := w.Boards()[0].State().Run; got != tt.wantRuns {
			t.Errorf("%s, %v: board runs %v, want %v", tt.spec, tt.purpose, got, tt.wantRuns)
		}
	}
	w := world(t, "feather-f405", 1)
	if _, err := enter.Open(ctx, w, board.Query{}, enter.OpenOptions{For: enter.ForBootloader}); !errors.Is(err, board.ErrNotInDFU) {
		t.Errorf("for the bootloader: %v, want ErrNotInDFU", err)
	}
}

// TestAll: every board is reported; several failing are counted.
func TestAll(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := world(t, "feather-f405,feather-f405", 1)
	bs, err := board.List(context.Background(), w)
	if err != nil || len(bs) != 2 {
		t.Fatalf("List: %v, %v", bs, err)
	}
	reported := 0
	report := func(board.Board, *enter.Result, error) { reported++ }
	if err := enter.All(ctx, w, bs, enter.Options{}, report); err == nil || !strings.Contains(err.Error(), "2 of 2 boards did not enter the bootloader") || reported != 2 {
		t.Errorf("All, cancelled: %v (%d reported)", err, reported)
	}
	if err := enter.All(ctx, w, bs[:1], enter.Options{}, report); err == nil || strings.Contains(err.Error(), "of 1") {
		t.Errorf("All, one cancelled: %v", err)
	}
}
