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
	if _, _, err := enter.Open(ctx, w, board.Query{}, enter.OpenOptions{}); !errors.As(err, new(*board.NotInDFUError)) || !errors.Is(err, board.ErrNotInDFU) {
		t.Fatalf("without Enter: %v", err)
	}
	var told string
	s, res, err := enter.Open(ctx, w, board.Query{}, enter.OpenOptions{Enter: &enter.Options{}, Entered: func(app board.Board, _ *enter.Result) { told = app.Path }})
	if err != nil || res == nil || res.Method == "" || told != "1-1" {
		t.Fatalf("with Enter: %v, %+v, told %q", err, res, told)
	}
	if w.Boards()[0].State().Run != sim.RunROM {
		t.Fatalf("board runs %v, want the ROM", w.Boards()[0].State().Run)
	}
	app, err := enter.Leave(ctx, s)
	if err != nil || app == nil || board.InDFU(*app) {
		t.Fatalf("Leave: %v, %v", app, err)
	}
}

// TestOpenDFU: a board already in the bootloader is opened as it is.
func TestOpenDFU(t *testing.T) {
	w := world(t, "feather-f405:dfu", 1)
	s, res, err := enter.Open(context.Background(), w, board.Query{}, enter.OpenOptions{Enter: &enter.Options{}})
	if err != nil || res != nil {
		t.Fatalf("Open: %v, %+v", err, res)
	}
	s.Close()
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
