package dfu_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbtest"
)

var record = flag.Bool("record", false, "TestRecordSession: record testdata/transcripts/session.txt from the simulator")

// sessionData is what the recorded session writes: 2.5 blocks, in runs
// of 32 equal bytes (a compact transcript).
func sessionData() []byte {
	b := make([]byte, 5000)
	for i := range b {
		b[i] = byte(i / 32)
	}
	return b
}

// session is the recorded use of a Conn: open, get commands, write,
// read back, erase, read the erased sector's start, leave.
func session(ctx context.Context, t *testing.T, dev usb.Device) {
	t.Helper()
	c, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := c.GetCommands(ctx)
	if err != nil || !bytes.Equal(cmds, []byte{0x00, 0x21, 0x41, 0x92}) {
		t.Fatalf("GetCommands: % x, %v", cmds, err)
	}
	const addr = 0x08008000
	if err := c.Erase(ctx, addr); err != nil {
		t.Fatal(err)
	}
	data := sessionData()
	var done []int
	if err := c.Download(ctx, addr, data, func(n int) { done = append(done, n) }); err != nil {
		t.Fatal(err)
	}
	if len(done) != 3 || done[2] != len(data) {
		t.Errorf("download progress %v, want three blocks up to %d", done, len(data))
	}
	got, err := c.Upload(ctx, addr, len(data), nil)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Upload: %d bytes, equal %v, %v", len(got), bytes.Equal(got, data), err)
	}
	if err := c.Erase(ctx, addr); err != nil {
		t.Fatal(err)
	}
	got, err = c.Upload(ctx, addr, 64, nil)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte{0xff}, 64)) {
		t.Fatalf("Upload after erase: % x, %v", got, err)
	}
	if err := c.SetAddress(ctx, 0x20000000+256<<10); err == nil {
		t.Error("Set Address past the end of RAM succeeded")
	} else if se := (*dfu.StatusError)(nil); !errors.As(err, &se) || se.Status != dfu.ErrTarget {
		t.Errorf("Set Address past the end of RAM: %v, want errTARGET", err)
	}
	base := uint32(0x08000000)
	if err := c.Leave(ctx, &base); err != nil {
		t.Fatal(err)
	}
}

var sessionTranscript = filepath.Join("testdata", "transcripts", "session.txt")

// TestPlaybackSession plays the recorded session back: every request the
// Conn sends must be the recorded one, and the answers give the same
// results, without a simulator.
func TestPlaybackSession(t *testing.T) {
	pb, err := usbtest.Load(sessionTranscript)
	if err != nil {
		t.Fatalf("%v (record it: go test ./dfu -run TestRecordSession -record)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	session(ctx, t, pb)
	if err := pb.Done(); err != nil {
		t.Fatalf("%v\n(if Conn is meant to send other requests now: go test ./dfu -run TestRecordSession -record)", err)
	}
}

// TestRecordSession records the session on a simulated nucleo-f446re:
// go test ./dfu -run TestRecordSession -record.
func TestRecordSession(t *testing.T) {
	if !*record {
		t.Skip("records the Playback transcript; run with -record")
	}
	x := newBench(t, "nucleo-f446re:dfu", sim.Options{})
	var tr bytes.Buffer
	tr.WriteString("# session: open, get commands, erase, write, read back, erase, read, bad Set Address, leave\n# recorded from a simulated nucleo-f446re: go test ./dfu -run TestRecordSession -record\n")
	session(x.ctx, t, &usbtest.Record{Device: x.dev, W: &tr})
	if err := os.MkdirAll(filepath.Dir(sessionTranscript), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sessionTranscript, tr.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
