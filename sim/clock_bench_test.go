package sim_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
)

// eraseProgram128K erases the first 128 KB sector of a feather-f405 and
// programs it through the ROM with the host engine, returning the wall
// time and the board-clock time it took.
func eraseProgram128K(tb testing.TB, speed float64) (wall, board time.Duration) {
	tb.Helper()
	ctx := context.Background()
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{Speed: speed})
	if err != nil {
		tb.Fatal(err)
	}
	devs, err := w.Devices(ctx)
	if err != nil || len(devs) != 1 {
		tb.Fatal(devs, err)
	}
	dev, err := w.Open(ctx, devs[0])
	if err != nil {
		tb.Fatal(err)
	}
	clock := w.Boards()[0].Clock()
	c0, w0 := clock.Elapsed(), time.Now()
	conn, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.Recover(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := conn.Erase(ctx, 0x08020000); err != nil {
		tb.Fatal(err)
	}
	if err := conn.Download(ctx, 0x08020000, bytes.Repeat([]byte{0x5A}, 128<<10), nil); err != nil {
		tb.Fatal(err)
	}
	return time.Since(w0), clock.Elapsed() - c0
}

// BenchmarkClockSpeed1 measures how closely wall time follows the board's
// clock at speed 1 over a 128 KB erase and program through the ROM
// (about 1.9 s of board time): wall/board is wall time over the board
// clock, wall/instant wall time over the board time the same work takes
// at speed 0 (the simulator's own figure, with no host delays in it).
func BenchmarkClockSpeed1(b *testing.B) {
	_, instant := eraseProgram128K(b, 0)
	var wall, board time.Duration
	for b.Loop() {
		w, c := eraseProgram128K(b, 1)
		wall += w
		board += c
	}
	b.ReportMetric(float64(wall)/float64(board), "wall/board")
	b.ReportMetric(float64(wall)/float64(time.Duration(b.N)*instant), "wall/instant")
	b.ReportMetric(instant.Seconds(), "instant-s")
}
