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
	"sync"
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
	// Estimate gives the plan an estimated duration from the chip's
	// datasheet timing (package part) when Flash.Timing is nil.
	Estimate bool
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
	// Attempts bounds how often Run tries when the board fails in a way
	// that is safe to retry (default 3; 1 means no retry).
	Attempts int
	// ReconnectTimeout is how long to wait, in the board's clock, for the
	// board to come back in DFU mode after it left the bus (default 10 s).
	ReconnectTimeout time.Duration
	// Force writes an image that a guard refuses: a vector table at the
	// boot address that cannot boot, or write-protected sectors (whose
	// protection is removed first; the board resets and the job goes on).
	// It never sets read protection level 2 or protects a sector.
	Force bool
	// Backup, when set, receives the board's current content before
	// anything is erased or written: the sectors the image touches, or all
	// of flash with BackupAll. An error from it stops the job.
	Backup    func(*firmware.Image) error
	BackupAll bool
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
	// Attempts counts the tries (see Options.Attempts).
	Attempts int
	// State says what the board holds after a failure that came after
	// something was erased or written; nil otherwise.
	State *BoardState
}

// ImageError reports an image that cannot go to this board (outside its
// memory map, too large, for another memory): nothing was written.
type ImageError struct{ Err error }

// Error returns the underlying error's message.
func (e *ImageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
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
//
// When the board fails in a way that is safe to retry (it left the bus, a
// request timed out or stalled, a status other than a refusal, a verify
// mismatch) Run waits for the board to come back in DFU mode, reads it
// again and plans again from what is on it now, up to Options.Attempts
// times: it never repeats an erase or a block whose outcome it has not
// read back. After a final failure Report.State says what the board holds
// and how to recover.
func Run(ctx context.Context, host usb.Host, info usb.DeviceInfo, img *firmware.Image, opts Options) (*Report, error) {
	rep := &Report{Board: info}
	_, err := dfuInterface(info)
	if err != nil && opts.Enter != nil && (opts.Enter.Method != "" || len(enter.Methods(info.Descriptors)) > 0) {
		opts.emit(Event{Kind: "phase", Phase: "enter"})
		res, eerr := enter.Enter(ctx, host, info, *opts.Enter)
		if eerr != nil {
			return rep, eerr
		}
		rep.Entered, rep.Board, info = res, res.ROM, res.ROM
		opts.emit(Event{Kind: "note", Phase: "enter", Message: fmt.Sprintf("entered the ROM bootloader with %s: %s serial %s on %s", res.Method, info.ID(), info.Descriptors.Serial(), info.Path)})
		_, err = dfuInterface(info)
	}
	if err != nil {
		return rep, err
	}
	if err := checkAlts(img); err != nil {
		return rep, &ImageError{err}
	}
	attempts := opts.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	j := &job{host: host, img: img, opts: &opts, rep: rep}
	for resets := 0; ; {
		rep.Attempts++
		err := j.once(ctx, info)
		if err == nil {
			return rep, nil
		}
		if errors.Is(err, errReenumerated) && resets >= 4 {
			err = fmt.Errorf("%w, four times in a row: check the write protection with softdfu option-bytes and run the command again", err)
		}
		if errors.Is(err, errReenumerated) && resets < 4 {
			resets++
			rep.Attempts--
		} else if !retryable(err) || rep.Attempts >= attempts || ctx.Err() != nil {
			if j.changed {
				rep.State = j.assess(ctx, info)
			}
			return rep, err
		} else {
			opts.emit(Event{Kind: "note", Message: fmt.Sprintf("attempt %d failed: %v; reading the board again and planning from what is on it now", rep.Attempts, err)})
		}
		next, werr := j.comeBack(ctx, info.Path)
		if werr != nil || next == nil {
			if j.changed {
				rep.State = j.assess(ctx, info)
			}
			if werr == nil {
				werr = fmt.Errorf("%w (the board did not come back in DFU mode within %v)", err, reconnectTimeout(opts.ReconnectTimeout))
			}
			return rep, werr
		}
		info = *next
	}
}

// job is one Run: state kept across attempts.
type job struct {
	host    usb.Host
	img     *firmware.Image
	opts    *Options
	rep     *Report
	clock   usb.Clock
	before  *flash.Survey // the first survey: the board as it was
	backed  bool          // the backup was taken
	changed bool          // an erase or a write was sent
	// verified: the last execution read back every sector the plan
	// touched and found the image (nothing was sent to flash since).
	verified bool
}

// once is one attempt: open, recover, check, survey, plan, execute, leave.
func (j *job) once(ctx context.Context, info usb.DeviceInfo) error {
	opts, rep := j.opts, j.rep
	itf, err := dfuInterface(info)
	if err != nil {
		return err
	}
	dev, err := j.host.Open(ctx, info)
	if err != nil {
		return fmt.Errorf("opening %s: %w", info, err)
	}
	// Closed before waiting for the application: over USB/IP an open
	// device stays imported and would hide what the port shows.
	var closeOnce sync.Once
	closeDev := func() { closeOnce.Do(func() { dev.Close() }) }
	defer closeDev()
	clock := usb.ClockOf(dev)
	j.clock = clock
	start := clock.Now()
	defer func() { rep.Elapsed += clock.Now().Sub(start) }()

	// Open on the option bytes (alternate setting 1) when the device has
	// them: the survey reads them first, then selects internal flash.
	conn, err := dfu.Open(ctx, dev, itf.Number, optionAlt(itf), &opts.DFU)
	if err != nil {
		return err
	}
	defer func() { rep.Transfers += conn.Transfers() }()
	if rep.Attempts > 1 {
		// A leave whose answer was lost leaves the ROM in
		// dfuMANIFEST-SYNC, where the GETSTATUS of Recover would start
		// the application: ask the state first and abort instead.
		if st, err := conn.GetState(ctx); err == nil && st == dfu.StateManifestSync {
			if err := conn.Abort(ctx); err != nil {
				return err
			}
		}
	}
	if err := conn.Recover(ctx); err != nil {
		return err
	}
	prot, err := readProtection(ctx, conn)
	if err != nil {
		return err
	}
	// Validate the image against the layout before reading or writing
	// anything: a plan over unknown content checks everything a real plan
	// checks.
	l := conn.Layout()
	chip, known := Chip(info.Descriptors.Device, l)
	if !known {
		if !opts.Force {
			return &GuardError{Err: ErrUnknownPart, Detail: fmt.Sprintf("%s %q shows %s (%s)", info.ID(), info.Descriptors.ProductName(), l.Describe(0), chip.Shape())}
		}
		opts.emit(Event{Kind: "note", Message: fmt.Sprintf("--force: writing a device whose flash layout (%s) is not a known STM32F4 one", chip.Shape())})
	}
	blind, err := flash.NewPlan(j.img, &flash.Survey{Layout: l}, &opts.Flash)
	if err != nil {
		return &ImageError{err}
	}
	if err := CheckBoot(j.img, l); err != nil {
		if !opts.Force {
			return err
		}
		opts.emit(Event{Kind: "note", Message: fmt.Sprintf("--force: writing it anyway: %v", err)})
	}
	opts.emit(Event{Kind: "phase", Phase: "survey"})
	var touched []dfu.Sector
	for _, s := range blind.Sectors {
		if s.Action != flash.Untouched {
			touched = append(touched, s.Sector)
		}
	}
	if wp := prot.protected(chip, touched); len(wp) > 0 {
		if !opts.Force {
			return &GuardError{Err: ErrWriteProtected, Detail: fmt.Sprintf("sector(s) %s are write-protected (option bytes nWRP)", sectorList(wp))}
		}
		if opts.DryRun {
			opts.emit(Event{Kind: "note", Message: fmt.Sprintf("--force: would remove the write protection of sector(s) %s (dry run: not done)", sectorList(wp))})
		} else {
			opts.emit(Event{Kind: "note", Message: fmt.Sprintf("--force: removing the write protection of sector(s) %s; the board resets and the update continues", sectorList(wp))})
			return prot.unprotect(ctx, conn, chip, wp)
		}
	}
	survey, err := flash.TakeSurvey(ctx, conn, j.img, func(done, total int) {
		opts.emit(Event{Kind: "progress", Phase: "survey", Done: done, Total: total})
	})
	if err != nil {
		return err
	}
	if j.before == nil {
		j.before = survey
	}
	if !j.backed && opts.Backup != nil && !opts.DryRun {
		b, err := backup(ctx, conn, survey, opts.BackupAll)
		if err != nil {
			return &BackupError{err}
		}
		if err := opts.Backup(b); err != nil {
			return &BackupError{err}
		}
		j.backed = true
	}
	fopts := opts.Flash
	if opts.Estimate && fopts.Timing == nil {
		fopts.Timing = flash.DatasheetTiming(chip.Family)
	}
	plan, err := flash.NewPlan(j.img, survey, &fopts)
	if err != nil {
		return err
	}
	rep.Plan = plan
	opts.emit(Event{Kind: "phase", Phase: "plan", Message: plan.String()})
	if opts.DryRun {
		if rep.Entered == nil {
			return nil
		}
		// The board was entered from software only to be surveyed: start
		// its application again, unchanged.
		opts.emit(Event{Kind: "note", Message: "dry run: leaving the bootloader, the application was not changed"})
		if err := conn.Leave(ctx, j.jump(conn)); err != nil {
			return err
		}
		closeDev()
		app, err := WaitApp(ctx, j.host, info, clock, opts.AppTimeout, opts.emit)
		rep.App = app
		return err
	}
	if len(plan.Erased()) > 0 || len(plan.Runs) > 0 {
		j.changed = true
	}
	j.verified = false
	res, err := flash.Run(ctx, conn, plan, func(p flash.Progress) {
		opts.emit(Event{Kind: "progress", Phase: p.Phase.String(), Done: p.Done, Total: p.Total})
	})
	rep.Result = res
	if err != nil {
		return err
	}
	j.verified = plan.Verify
	if opts.NoLeave {
		return conn.Recover(ctx)
	}
	opts.emit(Event{Kind: "phase", Phase: "leave"})
	// The ROM starts the vector table at its address pointer, which the
	// last erase, write or read left anywhere: point it at the flash base
	// unless told otherwise (AN3156 "Leave DFU mode").
	if err := conn.Leave(ctx, j.jump(conn)); err != nil {
		return err
	}
	rep.Left = true
	closeDev()
	app, err := WaitApp(ctx, j.host, info, clock, opts.AppTimeout, opts.emit)
	if err != nil {
		return err
	}
	if app == nil && stillDFU(ctx, j.host, info) {
		rep.Left = false
		return fmt.Errorf("%s: %w", info.Path, ErrStillInROM)
	}
	rep.App = app
	if app == nil && opts.ExpectApp {
		return fmt.Errorf("%s: %w", info.Path, ErrNoApp)
	}
	return nil
}

// jump returns the address the ROM starts on leave: Options.Jump, or the
// flash base. The ROM starts the vector table at its address pointer, which
// the last erase, write or read left anywhere (AN3156 "Leave DFU mode").
func (j *job) jump(conn *dfu.Conn) *uint32 {
	if j.opts.Jump != nil {
		return j.opts.Jump
	}
	if r := conn.Layout().Regions; len(r) > 0 {
		return &r[0].Address
	}
	return nil
}

// ErrStillInROM: after the leave request the same bootloader device was
// still on the bus (the request or its answer was lost). It is retried.
var ErrStillInROM = errors.New("the board is still in the ROM bootloader after the leave request (the request was lost, or the application reset back into the ROM: is BOOT0 still high?)")

// stillDFU reports whether a device in DFU mode is enumerated on the port
// of info (the same one, or the ROM enumerated again).
func stillDFU(ctx context.Context, host usb.Host, info usb.DeviceInfo) bool {
	devs, err := host.Devices(ctx)
	if err != nil {
		return false
	}
	for _, d := range devs {
		if d.Path == info.Path {
			if _, err := dfuInterface(d); err == nil {
				return true
			}
		}
	}
	return false
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
			if d.Path != board.Path || len(d.Descriptors.Configs) == 0 {
				// Another port, or a device the backend could not read
				// (over USB/IP: imported by someone else): not known yet.
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
