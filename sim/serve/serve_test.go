package serve

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb/usbip"
)

// TestServe: a USB/IP client sees the served board, the control port
// answers a button command, and the end of the context ends Serve without
// an error.
func TestServe(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := Boards(w); len(got) != 1 || !strings.HasPrefix(got[0], "1-1: feather-f405 (") {
		t.Errorf("Boards %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := usbip.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, w, l, Options{Control: cl}) }()

	devs, err := usbip.NewHost(l.Addr().String()).Devices(ctx)
	if err != nil || len(devs) != 1 || devs[0].Path != "1-1" {
		t.Fatalf("devices over USB/IP: %v, %v; want the board on 1-1", devs, err)
	}
	c, err := net.Dial("tcp", cl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("state\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(line, "1-1") {
		t.Errorf("control answer %q, %v; want the state of 1-1", line, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after the context ended: %v", err)
	}
}
