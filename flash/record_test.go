package flash_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb/usbtest"
)

var record = flag.Bool("record", false, "TestRecordTranscripts: record the playback transcripts under testdata/transcripts from the simulator")

// boards puts a simulated board in each scenario's starting state.
var boards = map[string]func(t *testing.T, b *sim.Board){
	"existing-content": func(t *testing.T, b *sim.Board) {
		mustWrite(t, b, 0x08000000, oldSector0)
		mustWrite(t, b, 0x08004000, oldSector1)
		mustWrite(t, b, 0x08008000, bytes.Repeat([]byte{0xff}, 0x8000))
	},
	"boot-unit-first": func(t *testing.T, b *sim.Board) {
		mustWrite(t, b, 0x08000000, oldSector0)
		mustWrite(t, b, 0x08004000, oldSector1)
		mustWrite(t, b, 0x08008000, bytes.Repeat([]byte{0xff}, 0x8000))
	},
	"boot-block-last": func(*testing.T, *sim.Board) {},
	"read-protected": func(t *testing.T, b *sim.Board) {
		ob := b.OptionBytes(0)
		ob[1] = 0x00
		b.SetOptionBytes(0, ob)
		b.Reset()
	},
}

func mustWrite(t *testing.T, b *sim.Board, addr uint32, data []byte) {
	t.Helper()
	if err := b.WriteFlash(addr, data); err != nil {
		t.Fatal(err)
	}
}

// TestRecordTranscripts records every scenario's update on a simulated
// nucleo-f446re (instant time): go test ./flash -run TestRecordTranscripts -record.
func TestRecordTranscripts(t *testing.T) {
	if !*record {
		t.Skip("records the Playback transcripts; run with -record")
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			boards[sc.name](t, w.Boards()[0])
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			devs, err := w.Devices(ctx)
			if err != nil || len(devs) != 1 {
				t.Fatalf("devices: %v %v", devs, err)
			}
			dev, err := w.Open(ctx, devs[0])
			if err != nil {
				t.Fatal(err)
			}
			defer dev.Close()
			var tr bytes.Buffer
			tr.WriteString("# " + sc.name + ": " + sc.about + "\n# recorded from a simulated nucleo-f446re: go test ./flash -run TestRecordTranscripts -record\n")
			rec := &usbtest.Record{Device: dev, W: &tr}
			o := update(ctx, t, rec, sc)
			sc.check(t, o)
			if err := os.MkdirAll(filepath.Dir(transcript(sc.name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(transcript(sc.name), tr.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}
