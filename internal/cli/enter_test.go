package cli

import (
	"bytes"
	"os"
	"path/filepath"
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

// TestFlashF7FromSoftware: softdfu flash --sim nucleo-f722ze enters the
// ROM from the MicroPython application (the STM32F7's direct branch to
// 0x1FF00000), flashes and verifies.
func TestFlashF7FromSoftware(t *testing.T) {
	app := filepath.Join(t.TempDir(), "app.bin")
	if err := os.WriteFile(app, sim.AppImage(sim.Parts["STM32F722ZE"], "micropython", 20000), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := Main([]string{"flash", "--sim", "nucleo-f722ze", app}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("flash (exit %d):\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"entering the ROM bootloader from software", "entered the ROM bootloader with", "verified"} {
		if !strings.Contains(out.String()+errb.String(), want) {
			t.Fatalf("output lacks %q:\n%s%s", want, out.String(), errb.String())
		}
	}
}
