package hosts

import (
	"errors"
	"io"
	"testing"
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
