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
	if clock == nil {
		clock = usb.ClockOf(host)
	}
	deadline := clock.Now().Add(timeout)
	for {
		devs, err := host.Devices(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		for _, d := range devs {
			if match(d) {
				return &Seen{Device: d, All: devs}, nil
			}
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

// WaitApp waits until a device other than a DFU-mode one appears on the
// board's port (the application), for at most timeout (default 5 s) of
// clock time. It returns nil, nil when none appeared: firmware without
// USB is normal. Devices the backend could not read (over USB/IP: imported
// by someone else) do not count yet.
func WaitApp(ctx context.Context, host usb.Host, board usb.DeviceInfo, clock usb.Clock, timeout time.Duration, events func(Event)) (*usb.DeviceInfo, error) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	emit(events, PhaseStarted{Phase: WaitingForApp})
	seen, err := Wait(ctx, host, clock, timeout, OnPort(board.Path, func(d usb.DeviceInfo) bool {
		return len(d.Descriptors.Configs) > 0 && !InDFU(d)
	}))
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

// StillDFU reports whether a device in DFU mode is enumerated on port path
// now (the same one, or the ROM enumerated again).
func StillDFU(ctx context.Context, host usb.Host, path string) bool {
	seen, _ := Wait(ctx, host, nil, 0, OnPort(path, InDFU))
	return seen != nil
}
