package usbip

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// TestSimulatedBoard serves a simulated Discovery F407 held in its ROM
// bootloader and drives it through the client with the dfu engine: list,
// erase, download, read back, leave, and the application that then
// enumerates on the same bus ID.
func TestSimulatedBoard(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "discovery-f407", Mode: "dfu"}}, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, w)
	ctx := testCtx(t)
	h := NewHost(addr)
	infos, err := h.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].ID() != "0483:df11" || infos[0].Descriptors.ProductName() != "STM32  BOOTLOADER" || infos[0].Descriptors.Serial() == "" {
		t.Fatalf("devices = %v, want one 0483:df11 STM32  BOOTLOADER with a serial", infos)
	}
	dev, err := h.Open(ctx, infos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	c, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.AltName(), "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"; got != want {
		t.Errorf("alt 0 name %q, want %q", got, want)
	}
	app := sim.AppImage(sim.Boards["discovery-f407"].Part, "runtime", 5000)
	if err := c.Erase(ctx, 0x08000000); err != nil {
		t.Fatal(err)
	}
	if err := c.Download(ctx, 0x08000000, app, nil); err != nil {
		t.Fatal(err)
	}
	back, err := c.Upload(ctx, 0x08000000, len(app), nil)
	if err != nil || !bytes.Equal(back, app) {
		t.Fatalf("read back %d bytes (%v), differs from the %d written", len(back), err, len(app))
	}
	if err := c.Leave(ctx, nil); err != nil {
		t.Fatalf("leave: %v", err)
	}
	// The server drops the bootloader's connection ...
	for {
		_, err := c.GetStatus(ctx)
		if errors.Is(err, usb.ErrGone) {
			break
		}
		if err != nil {
			t.Fatalf("after leave: %v, want ErrGone", err)
		}
		time.Sleep(time.Millisecond)
	}
	// ... and exports the application on the same bus ID.
	infos, err = h.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].ID() != "0483:df12" || infos[0].Path != "1-1" {
		t.Fatalf("after leave devices = %v, want the run-time application 0483:df12 on 1-1", infos)
	}
	app2, err := h.Open(ctx, infos[0])
	if err != nil {
		t.Fatal(err)
	}
	app2.Close()
}

// TestClientConfigures: the server hands over an unconfigured device, and
// the client sets its configuration on import, as the kernel does for a
// device it enumerates; without that the simulated ROM stalls
// SET_INTERFACE (USB 2.0 section 9.4.10).
func TestClientConfigures(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serve(t, w)
	ctx := testCtx(t)
	h := NewHost(addr)
	infos, err := h.Devices(ctx)
	if err != nil || len(infos) != 1 {
		t.Fatalf("devices %v %v", infos, err)
	}
	infos[0].Descriptors.Configs = nil // Open reads them itself when the caller has none
	for name, open := range map[string]func() (usb.Device, error){
		"Open": func() (usb.Device, error) { return h.Open(ctx, infos[0]) },
		"Dial": func() (usb.Device, error) { return Dial(ctx, addr, "1-1") },
	} {
		dev, err := open()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		in := make([]byte, 1)
		n, err := dev.Control(ctx, usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetConfiguration, Length: 1}, in)
		if err != nil || n != 1 || in[0] != 1 {
			t.Errorf("%s: GET_CONFIGURATION = %v (%d bytes, %v), want [1]", name, in, n, err)
		}
		if err := dev.SetAlternate(ctx, 0, 1); err != nil {
			t.Errorf("%s: SET_INTERFACE alt 1: %v", name, err)
		}
		dev.Close()
		// Unconfigure it for the next import.
		g := w.Attached("1-1")
		if _, err := g.Control(ctx, usb.Setup{Request: usb.ReqSetConfiguration}, nil); err != nil {
			t.Fatal(err)
		}
	}
}
