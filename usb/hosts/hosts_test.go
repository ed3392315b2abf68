package hosts

import (
	"errors"
	"io"
	"os"
	"path/filepath"
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

// TestCapture: no Path captures nothing; the file is made on the first
// Open, the same file is handed out after, and a world built with it
// writes its pcap header there.
func TestCapture(t *testing.T) {
	var none Capture
	if w, err := none.Open(); w != nil || err != nil {
		t.Errorf("Open with no Path = %v, %v; want nil, nil", w, err)
	}
	if err := none.Close(); err != nil {
		t.Errorf("Close with nothing open: %v", err)
	}
	path := filepath.Join(t.TempDir(), "bus.pcap")
	c := Capture{Path: path}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the capture exists before Open: %v", err)
	}
	if _, err := World(Choice{Sim: "nucleo-f446re:dfu", PCAP: c.Open}); err != nil {
		t.Fatal(err)
	}
	w1, _ := c.Open()
	w2, err := c.Open()
	if err != nil || w1 != w2 {
		t.Errorf("second Open = %v, %v; want the first file", w2, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("capture file %v, %v; want the pcap header written", fi, err)
	}
	bad := Capture{Path: filepath.Join(t.TempDir(), "missing", "bus.pcap")}
	if _, err := bad.Open(); err == nil {
		t.Error("Open into a missing directory: no error")
	}
}
