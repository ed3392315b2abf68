package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/sim"
)

// TestUSBIPFaults flashes over USB/IP a board that drops off the bus in
// the middle of the writes and loses power in an erase: the host follows
// it across the re-enumerations, plans again from what is on it and
// finishes the job in one command. Request 40 is an UPLOAD of the survey:
// with queued UPLOADs the read itself reads on after the stall, one block
// at a time; with --no-queue the attempt fails and the job plans again.
func TestUSBIPFaults(t *testing.T) {
	for _, tc := range []struct {
		spec     string
		noQueue  bool
		attempts bool // the first attempt fails
	}{
		{"disconnect@write:3", false, true},
		{"power-loss@erase", false, true},
		{"rom-reset@verify:2", false, true},
		{"stall@req:40", false, false},
		{"stall@req:40", true, true},
	} {
		spec := tc.spec
		t.Run(fmt.Sprintf("%s/no-queue=%v", spec, tc.noQueue), func(t *testing.T) {
			faults, err := sim.ParseFaults(spec)
			if err != nil {
				t.Fatal(err)
			}
			w, err := sim.New([]sim.Spec{{Board: "discovery-f407", Mode: "dfu"}}, sim.Options{Faults: faults})
			if err != nil {
				t.Fatal(err)
			}
			addr := serveUSBIP(t, w)
			img := sim.AppImage(sim.Parts["STM32F407VG"], "circuitpython", 40000)
			app := filepath.Join(t.TempDir(), "app.bin")
			if err := os.WriteFile(app, img, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			args := []string{"flash", "--usbip", addr, "--app-timeout", "3s", app}
			if tc.noQueue {
				args = append(args, "--no-queue")
			}
			code := Main(args, strings.NewReader(""), &out, &errb)
			if code != 0 || strings.Contains(out.String(), "attempt 1 failed") != tc.attempts || !strings.Contains(out.String(), "application started") {
				t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
			}
			if len(w.Board("1-1").Fired()) != 1 || !bytes.Equal(w.Board("1-1").Flash()[:len(img)], img) {
				t.Fatal("the fault did not fire or the board does not hold the image")
			}
		})
	}
}
