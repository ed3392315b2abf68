// Package update is the whole job of updating one board, as a library: check
// the image against the board, survey the board read-only, plan, erase and
// write only what changes, verify, leave the bootloader, and wait for the
// application to come back on USB. The softdfu CLI is a thin layer over it.
//
// Nothing is erased or written before the image has been validated against
// the board's memory layout and the plan has been made.
package update

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
)

// Options tune Run.
type Options struct {
	// Flash tunes the plan (keep bytes outside the image, verify, ...).
	Flash flash.Options
	// DFU tunes the protocol engine (timeouts, transcript).
	DFU dfu.Options
	// DryRun stops after the plan: nothing is erased or written.
	DryRun bool
	// NoLeave stays in the bootloader after writing.
	NoLeave bool
	// Jump is the address whose vector table the ROM starts on leave
	// (default: the flash base, 0x08000000).
	Jump *uint32
	// AppTimeout is how long to wait for the application to appear on USB
	// after leaving (default 5 s).
	AppTimeout time.Duration
	// ExpectApp makes a board that shows no USB device after leaving a
	// failure (for firmware that is known to enumerate).
	ExpectApp bool
	// Event, when set, receives progress as the job goes.
	Event func(Event)
	// Enter, when set, lets Run bring a board that runs its application
	// into the ROM bootloader from software first (package enter) and
	// follow the same board. Nil, or a board with no entry method, keeps
	// ErrNotInDFU.
	Enter *enter.Options
}

// Event reports progress: a phase starting, bytes or sectors done, a note.
type Event struct {
	Kind    string // "phase", "progress", "note"
	Phase   string // enter, survey, plan, erase, write, verify, leave, wait-app
	Done    int
	Total   int
	Message string
}

// Report is what Run did.
type Report struct {
	// Board is the device updated: the ROM bootloader (after an entry,
	// the one the board became).
	Board usb.DeviceInfo
	// Entered is the software entry, nil when the board already was in
	// the bootloader.
	Entered *enter.Result
	Plan    *flash.Plan
	// Result is nil for a dry run.
	Result *flash.Result
	// Left is true when the board was told to leave the bootloader.
	Left bool
	// App is the device that appeared on the board's port after leaving,
	// or nil when none did within AppTimeout.
	App *usb.DeviceInfo
	// Transfers counts the control transfers of the DFU session.
	Transfers int
	// Elapsed is the duration in the board's clock (simulated time for
	// simulated boards).
	Elapsed time.Duration
}

// ImageError reports an image that cannot go to this board (outside its
// memory map, too large, for another memory): nothing was written.
type ImageError struct{ Err error }

func (e *ImageError) Error() string { return e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// ErrNotInDFU is returned for a board that is not in DFU mode.
var ErrNotInDFU = errors.New("board is not in DFU mode")

func (o *Options) emit(ev Event) {
	if o.Event != nil {
		o.Event(ev)
	}
}

// dfuInterface finds the DFU-mode interface of a device.
func dfuInterface(info usb.DeviceInfo) (dfu.Interface, error) {
	for _, c := range info.Descriptors.Configs {
		for _, i := range dfu.FindInterfaces(c) {
			if !i.RunTime() {
				return i, nil
			}
		}
	}
	return dfu.Interface{}, fmt.Errorf("%s (%s): %w: it runs an application; put it in the ROM bootloader first: hold BOOT0 high and press reset",
		info.Path, info.Descriptors.ProductName(), ErrNotInDFU)
}

// Run updates the board described by info on host with img.
func Run(ctx context.Context, host usb.Host, info usb.DeviceInfo, img *firmware.Image, opts Options) (*Report, error) {
	rep := &Report{Board: info}
	itf, err := dfuInterface(info)
	if err != nil && opts.Enter != nil && (opts.Enter.Method != "" || len(enter.Methods(info.Descriptors)) > 0) {
		opts.emit(Event{Kind: "phase", Phase: "enter"})
		res, eerr := enter.Enter(ctx, host, info, *opts.Enter)
		if eerr != nil {
			return rep, eerr
		}
		rep.Entered, rep.Board, info = res, res.ROM, res.ROM
		opts.emit(Event{Kind: "note", Phase: "enter", Message: fmt.Sprintf("entered the ROM bootloader with %s: %s serial %s on %s", res.Method, info.ID(), info.Descriptors.Serial(), info.Path)})
		itf, err = dfuInterface(info)
	}
	if err != nil {
		return rep, err
	}
	if err := checkAlts(img); err != nil {
		return rep, &ImageError{err}
	}
	dev, err := host.Open(ctx, info)
	if err != nil {
		return rep, fmt.Errorf("opening %s: %w", info, err)
	}
	defer dev.Close()
	clock := usb.ClockOf(dev)
	start := clock.Now()
	defer func() { rep.Elapsed = clock.Now().Sub(start) }()

	conn, err := dfu.Open(ctx, dev, itf.Number, 0, &opts.DFU)
	if err != nil {
		return rep, err
	}
	defer func() { rep.Transfers = conn.Transfers() }()
	if err := conn.Recover(ctx); err != nil {
		return rep, err
	}
	// Validate the image against the layout before reading or writing
	// anything: a plan over unknown content checks everything a real plan
	// checks.
	if _, err := flash.NewPlan(img, &flash.Survey{Layout: conn.Layout()}, &opts.Flash); err != nil {
		return rep, &ImageError{err}
	}
	opts.emit(Event{Kind: "phase", Phase: "survey"})
	survey, err := flash.TakeSurvey(ctx, conn, img, func(done, total int) {
		opts.emit(Event{Kind: "progress", Phase: "survey", Done: done, Total: total})
	})
	if err != nil {
		return rep, err
	}
	plan, err := flash.NewPlan(img, survey, &opts.Flash)
	if err != nil {
		return rep, err
	}
	rep.Plan = plan
	opts.emit(Event{Kind: "phase", Phase: "plan", Message: plan.String()})
	if opts.DryRun {
		return rep, nil
	}
	res, err := flash.Run(ctx, conn, plan, func(p flash.Progress) {
		opts.emit(Event{Kind: "progress", Phase: p.Phase.String(), Done: p.Done, Total: p.Total})
	})
	rep.Result = res
	if err != nil {
		return rep, err
	}
	if opts.NoLeave {
		return rep, conn.Recover(ctx)
	}
	opts.emit(Event{Kind: "phase", Phase: "leave"})
	rep.Transfers = conn.Transfers()
	// The ROM starts the vector table at its address pointer, which the
	// last erase, write or read left anywhere: point it at the flash base
	// unless told otherwise (AN3156 "Leave DFU mode").
	jump := opts.Jump
	if jump == nil {
		if r := conn.Layout().Regions; len(r) > 0 {
			jump = &r[0].Address
		}
	}
	if err := conn.Leave(ctx, jump); err != nil {
		return rep, err
	}
	rep.Left = true
	app, err := WaitApp(ctx, host, info, clock, opts.AppTimeout, opts.emit)
	if err != nil {
		return rep, err
	}
	rep.App = app
	if app == nil && opts.ExpectApp {
		return rep, fmt.Errorf("%s: %w", info.Path, ErrNoApp)
	}
	return rep, nil
}

// ErrNoApp: the board left the bootloader and no USB device appeared.
var ErrNoApp = errors.New("the board left the bootloader but no USB device appeared; if the firmware should enumerate, reach the ROM again with BOOT0 high and reset")

// checkAlts refuses images for other alternate settings than internal flash.
func checkAlts(img *firmware.Image) error {
	for _, s := range img.Segments {
		if s.Alt != 0 {
			return fmt.Errorf("the image has a segment for alternate setting %d at 0x%08x: only internal flash (alt 0) can be updated this way", s.Alt, s.Address)
		}
	}
	if len(img.Segments) == 0 {
		return errors.New("the image is empty: nothing to write")
	}
	return nil
}

// WaitApp waits until a device other than a DFU-mode one appears on the
// board's port (the application), for at most timeout of clock time. It
// returns nil, nil when none appeared: firmware without USB is normal.
func WaitApp(ctx context.Context, host usb.Host, board usb.DeviceInfo, clock usb.Clock, timeout time.Duration, emit func(Event)) (*usb.DeviceInfo, error) {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	if emit != nil {
		emit(Event{Kind: "phase", Phase: "wait-app"})
	}
	deadline := clock.Now().Add(timeout)
	const poll = 50 * time.Millisecond
	for {
		devs, err := host.Devices(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		for _, d := range devs {
			if d.Path != board.Path {
				continue
			}
			if _, err := dfuInterface(d); err != nil {
				return &d, nil // not in DFU mode: the application
			}
		}
		if !clock.Now().Before(deadline) {
			return nil, nil
		}
		if err := clock.Sleep(ctx, poll); err != nil {
			return nil, err
		}
	}
}
