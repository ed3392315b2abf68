package cli

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb/usbip"
)

// TestEnterOverUSBIP: softdfu --usbip ADDR enter against a board served by
// a USB/IP server; the server closes the application's connection and
// exports the ROM under the same bus ID.
func TestEnterOverUSBIP(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405"}, {Board: "feather-f405", Mode: "micropython"}}, sim.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		usbip.NewServer(w, usbip.ServerOptions{}).Serve(ctx, l)
	}()
	defer func() { cancel(); <-done }()
	var out, errb bytes.Buffer
	code := Main([]string{"--usbip", l.Addr().String(), "enter", "--all"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("enter (exit %d):\n%s%s", code, out.String(), errb.String())
	}
	for _, b := range w.Boards() {
		if b.State().Run != sim.RunROM || !strings.Contains(out.String(), b.Port()+": entered the ROM bootloader") || !strings.Contains(out.String(), "serial "+b.ROMSerial()) {
			t.Fatalf("board %s: %+v\n%s", b.Port(), b.State(), out.String())
		}
	}
}
