package serve

import (
	"bufio"
	"context"
	"errors"
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

// TestStart: Start listens on its addresses and says what it serves as it
// comes up (the boards, then the buttons); an address it cannot listen on
// is a *ListenError that names it.
func TestStart(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var said []string
	s, err := Start(ctx, w, Config{Addr: "127.0.0.1:0", Control: "127.0.0.1:0", Say: func(l string) { said = append(said, l) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(said) != 2 || !strings.HasPrefix(said[0], "1-1: feather-f405 (") || !strings.HasPrefix(said[1], "board buttons on 127.0.0.1:") {
		t.Errorf("Start said %q; want the board, then the buttons", said)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	devs, err := usbip.NewHost(s.Addr().String()).Devices(ctx)
	if err != nil || len(devs) != 1 || devs[0].Path != "1-1" {
		t.Errorf("devices over USB/IP: %v, %v; want the board on 1-1", devs, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after the context ended: %v", err)
	}

	for _, c := range []struct {
		cfg     Config
		control bool
	}{
		{Config{Addr: "1.2.3.4.5:9"}, false},
		{Config{Addr: "127.0.0.1:0", Control: "1.2.3.4.5:9"}, true},
	} {
		_, err := Start(context.Background(), w, c.cfg)
		var le *ListenError
		if !errors.As(err, &le) || le.Control != c.control || le.Addr != "1.2.3.4.5:9" {
			t.Errorf("Start(%+v) = %v; want a *ListenError on 1.2.3.4.5:9 (control %v)", c.cfg, err, c.control)
		}
	}
}
