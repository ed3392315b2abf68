package board

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestLeaveAndWait: leaving starts the flash base's vector table unless
// told otherwise and finds the application on the board's port; with
// none, expectApp makes it ErrNoApp, and the document and text say what
// left.
func TestLeaveAndWait(t *testing.T) {
	ctx := context.Background()
	s, _ := openSim(t, "feather-f405:dfu")
	l, err := s.LeaveAndWait(ctx, nil, 5*time.Second, true, nil)
	if err != nil || l.Jump != 0x08000000 || l.App == nil || l.Path != "1-1" {
		t.Fatalf("left %+v, %v", l, err)
	}
	b, _ := json.Marshal(l.Document())
	if want := `{"app":{"id":"239a:8031","path":"1-1","product":"CircuitPython board","serial":"30002D000B51343333353132"},"left":true}`; string(b) != want {
		t.Errorf("document %s, want %s", b, want)
	}
	if got, want := l.Text(), `1-1 left the bootloader (vector table at 0x08000000); application started: 239a:8031 "CircuitPython board" serial 30002D000B51343333353132`; got != want {
		t.Errorf("text %q, want %q", got, want)
	}

	s, _ = openSim(t, "nucleo-f446re:dfu")
	jump := uint32(0x08004000)
	l, err = s.LeaveAndWait(ctx, &jump, 5*time.Second, true, nil)
	if !errors.Is(err, ErrNoApp) || l == nil || l.App != nil || l.Jump != jump || l.Waited != 5*time.Second {
		t.Errorf("left %+v, %v; want no application, ErrNoApp", l, err)
	}
	s, _ = openSim(t, "nucleo-f446re:dfu")
	if l, err = s.LeaveAndWait(ctx, &jump, time.Second, false, nil); err != nil || l.App != nil {
		t.Errorf("left %+v, %v; want no application and no error", l, err)
	}
	b, _ = json.Marshal(l.Document())
	if string(b) != `{"left":true}` {
		t.Errorf("document %s", b)
	}
	if got, want := l.Text(), "1-1 left the bootloader (vector table at 0x08004000); no USB device appeared within 1s (expected for firmware without USB)"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	b, _ = json.Marshal(LeftDocument{AlreadyApp: true})
	if string(b) != `{"already_app":true,"left":false}` {
		t.Errorf("already-app document %s", b)
	}
}
