package sim_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/sim"
)

func TestConsole(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "discovery-f407"}, {Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w.Console(strings.NewReader("state\ndfu 1-1\nrun 1-2\nboot0 high 1-2\nreset 1-2\nstate 1-9\nfly\n"), &out)
	want := []string{
		"1-1: application (circuitpython)",
		"1-2: rom-bootloader",
		"1-1: rom-bootloader",
		"1-2: application (circuitpython)",
		"BOOT0 high (takes effect at the next reset)",
		"1-2: rom-bootloader",
		`error: no board on port "1-9" (ports: 1-1, 1-2)`,
		`error: unknown command "fly"; type help`,
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("console said:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
	if w.Boards()[0].Gadget() == nil || w.Boards()[0].Gadget().Descriptors().Device.Product != 0xdf11 {
		t.Error("dfu 1-1 did not bring up the ROM on USB")
	}
}
