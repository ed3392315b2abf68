package hosts

import (
	"errors"
	"io"
	"testing"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbip"
)

func TestNew(t *testing.T) {
	bad := errors.New("no room")
	for _, tt := range []struct {
		c     Choice
		field string
	}{
		{Choice{Sim: "nucleo-f446re", USBIP: "127.0.0.1:3240"}, Both},
		{Choice{Sim: "no-such-board"}, Sim},
		{Choice{Sim: "nucleo-f446re", Faults: "nonsense@"}, Faults},
		{Choice{Sim: "nucleo-f446re", PCAP: func() (io.Writer, error) { return nil, bad }}, PCAP},
		{Choice{USBIP: "localhost"}, USBIP},
		{Choice{Backend: "carrier-pigeon"}, Backend},
	} {
		_, _, err := New(tt.c)
		var he *Error
		if !errors.As(err, &he) || he.Field != tt.field {
			t.Errorf("New(%+v) = %v; want an error naming %q", tt.c, err, tt.field)
		}
	}
	h, w, err := New(Choice{Sim: "nucleo-f446re:dfu"})
	if err != nil || w == nil || h == nil || len(w.Boards()) != 1 {
		t.Fatalf("New(sim) = %v, %v, %v", h, w, err)
	}
	if h, w, err := New(Choice{USBIP: "127.0.0.1:3240"}); err != nil || w != nil || h == nil {
		t.Fatalf("New(usbip) = %v, %v, %v", h, w, err)
	}
}

// TestCache: the first Host builds the choice's host and every later call
// returns it without choosing again; an error keeps nothing; Use keeps a
// world built elsewhere.
func TestCache(t *testing.T) {
	var c Cache
	if c.World() != nil {
		t.Fatal("an empty Cache has a world")
	}
	if _, err := c.Host(func() Choice { return Choice{Sim: "no-such-board"} }); err == nil {
		t.Fatal("Host(no-such-board) = nil error")
	}
	chosen := 0
	choose := func() Choice { chosen++; return Choice{Sim: "nucleo-f446re:dfu"} }
	h1, err := c.Host(choose)
	if err != nil || c.World() == nil || h1 != usb.Host(c.World()) {
		t.Fatalf("Host(sim) = %v, %v; world %v", h1, err, c.World())
	}
	h2, err := c.Host(choose)
	if err != nil || h2 != h1 || chosen != 1 {
		t.Errorf("second Host = %v, %v after %d choices; want the first host, chosen once", h2, err, chosen)
	}
	w, err := World(Choice{Sim: "feather-f405"})
	if err != nil {
		t.Fatal(err)
	}
	c.Use(w)
	if h, err := c.Host(choose); err != nil || h != usb.Host(w) || c.World() != w || chosen != 1 {
		t.Errorf("after Use: Host = %v, %v, World %v; want the world used", h, err, c.World())
	}
	c.Use(usbip.NewHost("127.0.0.1:3240"))
	if c.World() != nil {
		t.Errorf("after Use(a USB/IP host): World = %v, want nil", c.World())
	}
}
