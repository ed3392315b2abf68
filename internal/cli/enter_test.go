package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/sim"
)

// TestEnterOverUSBIP: softdfu --usbip ADDR enter against a board served by
// a USB/IP server; the server closes the application's connection and
// exports the ROM under the same bus ID.
func TestEnterOverUSBIP(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405"}, {Board: "feather-f405", Mode: "micropython"}}, sim.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveUSBIP(t, w)
	var out, errb bytes.Buffer
	code := Main([]string{"--usbip", addr, "enter", "--all"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("enter (exit %d):\n%s%s", code, out.String(), errb.String())
	}
	for _, b := range w.Boards() {
		if b.State().Run != sim.RunROM || !strings.Contains(out.String(), b.Port()+": entered the ROM bootloader") || !strings.Contains(out.String(), "serial "+b.ROMSerial()) {
			t.Fatalf("board %s: %+v\n%s", b.Port(), b.State(), out.String())
		}
	}
}
