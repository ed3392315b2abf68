package board

import (
	"context"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// PollInterval is how often Wait lists the bus, in the clock it waits in.
const PollInterval = 50 * time.Millisecond

// Seen is what Wait found: the first matching device and everything the
// bus showed in the same listing.
type Seen struct {
	Device usb.DeviceInfo
	All    []usb.DeviceInfo
}

// Wait lists host's devices until one matches, for at most timeout of
// clock time (nil: usb.ClockOf(host), the simulated time of simulated
// boards). A timeout of 0 looks once. It returns nil, nil when nothing
// matched in time. A listing that fails while ctx is live counts as an
// empty bus (the device may be re-enumerating).
//
// It is the one way softdfu waits for the bus: for a board to appear, for
// the ROM after a software entry, for the application after a leave, for
// a board to come back after a reset.
func Wait(ctx context.Context, host usb.Host, clock usb.Clock, timeout time.Duration, match func(usb.DeviceInfo) bool) (*Seen, error) {
	return Watch(ctx, host, clock, timeout, func(devs []usb.DeviceInfo, _ time.Time) (*usb.DeviceInfo, bool) {
		for _, d := range devs {
			if match(d) {
				return &d, true
			}
		}
		return nil, false
	})
}

// Watch is Wait with a look at each whole listing: see gets the devices
// and the clock time of the listing, and ends the wait by returning true,
// with the device found or nil (Watch then returns nil, nil).
func Watch(ctx context.Context, host usb.Host, clock usb.Clock, timeout time.Duration, see func(devs []usb.DeviceInfo, now time.Time) (*usb.DeviceInfo, bool)) (*Seen, error) {
	if clock == nil {
		clock = usb.ClockOf(host)
	}
	deadline := clock.Now().Add(timeout)
	for {
		devs, err := host.Devices(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		if d, done := see(devs, clock.Now()); done {
			if d == nil {
				return nil, nil
			}
			return &Seen{Device: *d, All: devs}, nil
		}
		if !clock.Now().Before(deadline) {
			return nil, nil
		}
		if err := clock.Sleep(ctx, PollInterval); err != nil {
			return nil, err
		}
	}
}

// OnPort matches the devices on port path that also match want (nil:
// any).
func OnPort(path string, want func(usb.DeviceInfo) bool) func(usb.DeviceInfo) bool {
	return func(d usb.DeviceInfo) bool { return d.Path == path && (want == nil || want(d)) }
}

// AppEnumeration is how long WaitApp, without a timeout of its own,
// waits for a new device once the bootloader has left the board's port: a
// device that attaches within it has been reset, started its firmware and
// been enumerated by the host (softdfu's choice: an STM32 application
// with USB shows up within a few hundred ms of the jump, CircuitPython in
// about a second).
const AppEnumeration = 1500 * time.Millisecond

// WaitApp waits until a device other than a DFU-mode one appears on the
// board's port (the application). With a positive timeout it waits up to
// that long; with none, up to 5 s but no longer than AppEnumeration after
// the bootloader left the port with nothing new on it (firmware without
// USB costs that, not 5 s). Times are clock time. It returns nil, nil when
// no application appeared: firmware without USB is normal. Devices the
// backend could not read (over USB/IP: imported by someone else) do not
// count yet.
func WaitApp(ctx context.Context, host usb.Host, board usb.DeviceInfo, clock usb.Clock, timeout time.Duration, events func(Event)) (*usb.DeviceInfo, error) {
	early := timeout <= 0
	if early {
		timeout = 5 * time.Second
	}
	emit(events, PhaseStarted{Phase: WaitingForApp})
	var empty time.Time // since when the port shows nothing
	seen, err := Watch(ctx, host, clock, timeout, func(devs []usb.DeviceInfo, now time.Time) (*usb.DeviceInfo, bool) {
		onPort := false
		for _, d := range devs {
			if d.Path != board.Path {
				continue
			}
			onPort = true
			if len(d.Descriptors.Configs) > 0 && !InDFU(d) {
				return &d, true
			}
		}
		switch {
		case onPort || !early:
			empty = time.Time{}
		case empty.IsZero():
			empty = now
		case now.Sub(empty) >= AppEnumeration:
			emit(events, NoApp{After: AppEnumeration})
			return nil, true
		}
		return nil, false
	})
	if seen == nil || err != nil {
		return nil, err
	}
	return &seen.Device, nil
}

// WaitDFU waits until a device in DFU mode is enumerated on port path, for
// at most timeout of clock time (nil: the host's clock). It returns nil,
// nil when none appeared in time.
func WaitDFU(ctx context.Context, host usb.Host, path string, clock usb.Clock, timeout time.Duration) (*usb.DeviceInfo, error) {
	seen, err := Wait(ctx, host, clock, timeout, OnPort(path, InDFU))
	if seen == nil || err != nil {
		return nil, err
	}
	return &seen.Device, nil
}

// StillDFU reports whether, after Leave, a device in DFU mode is still
// enumerated on the board's port after grace of the host's clock: the same
// one, or the ROM enumerated again. A bootloader that has just left may
// take a moment to disappear from the bus (over USB/IP, until the client
// notices the link went down), so a DFU device that goes away within
// grace is not still there. When the host saw the ROM drop off the bus,
// the ROM's old enumeration is not counted at all: the host may list it
// until its hub driver has removed it, which with several boards leaving
// at once happens one board after another (0.8 s for eight over USB/IP in
// the interop VM). A ROM enumerated again, at another address, is counted.
func (s *Session) StillDFU(ctx context.Context, grace time.Duration) bool {
	departed, old := s.gone, s.Board.Address
	var still bool
	_, _ = Watch(ctx, s.Host, nil, grace, func(devs []usb.DeviceInfo, _ time.Time) (*usb.DeviceInfo, bool) {
		still = false
		for _, d := range devs {
			if d.Path == s.Board.Path && InDFU(d) && !(departed && d.Address == old) {
				still = true
			}
		}
		return nil, !still
	})
	return still
}
