package board

import (
	"context"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Left is what leaving the bootloader did (Session.LeaveAndWait): where
// the started vector table is and what appeared on the board's port.
type Left struct {
	// Path is the board's USB port path.
	Path string
	// Jump is the address of the vector table the ROM started: the flash
	// base unless another was asked for.
	Jump uint32
	// App is the application's device; nil when none appeared within
	// Waited (normal for firmware without USB).
	App    *usb.DeviceInfo
	Waited time.Duration
}

// LeaveAndWait leaves the bootloader (Leave), starting the vector table at
// jump (nil: the flash base), then waits for up to timeout for the
// application on the board's port (Confirm). With expectApp, no
// application is ErrNoApp. Left is nil only when leaving failed.
func (s *Session) LeaveAndWait(ctx context.Context, jump *uint32, timeout time.Duration, expectApp bool, events func(Event)) (*Left, error) {
	l := &Left{Path: s.Board.Path, Jump: part.FlashBase, Waited: timeout}
	if jump != nil {
		l.Jump = *jump
	}
	if err := s.Leave(ctx, jump, events); err != nil {
		return nil, err
	}
	app, err := s.Confirm(ctx, timeout, events)
	l.App = app
	if err == nil && app == nil && expectApp {
		err = fmt.Errorf("%s: %w", l.Path, ErrNoApp)
	}
	return l, err
}

// Text says for people what leaving did: where the started vector table
// is and the application that appeared, or that none did.
func (l *Left) Text() string {
	if app := l.App; app != nil {
		return fmt.Sprintf("%s left the bootloader (vector table at 0x%08x); application started: %s %q serial %s", l.Path, l.Jump, app.ID(), app.Descriptors.ProductName(), app.Descriptors.Serial())
	}
	return fmt.Sprintf("%s left the bootloader (vector table at 0x%08x); no USB device appeared within %v (expected for firmware without USB)", l.Path, l.Jump, l.Waited)
}

// LeftDocument is what leaving the bootloader did as front ends show it
// (softdfu leave --json). The JSON field names are stable and in sorted
// order.
type LeftDocument struct {
	// AlreadyApp: the board already ran its application; nothing was
	// left.
	AlreadyApp bool            `json:"already_app,omitempty"`
	App        *DeviceDocument `json:"app,omitempty"`
	Left       bool            `json:"left"`
}

// Document returns l as front ends show it.
func (l *Left) Document() LeftDocument {
	return LeftDocument{Left: true, App: DeviceDocumentOf(l.App)}
}

// DeviceDocument names a USB device as front ends show it (the
// application a board started, the bootloader it became): its VID:PID,
// port path, product and serial strings. The JSON field names are stable
// and in sorted order.
type DeviceDocument struct {
	ID      string `json:"id"`
	Path    string `json:"path"`
	Product string `json:"product"`
	Serial  string `json:"serial"`
}

// DeviceDocumentOf describes d; nil for nil d.
func DeviceDocumentOf(d *usb.DeviceInfo) *DeviceDocument {
	if d == nil {
		return nil
	}
	return &DeviceDocument{ID: d.ID(), Path: d.Path, Product: d.Descriptors.ProductName(), Serial: d.Descriptors.Serial()}
}
