// Package update is the whole job of updating one board, as a library: check
// the image against the board, survey the board read-only, plan, erase and
// write only what changes, verify, leave the bootloader, and wait for the
// application to come back on USB. It runs on the board layer (package
// board); front ends call it.
//
// Nothing is erased or written before the image has been validated against
// the board's memory layout and the plan has been made.
package update

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/part"
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
	// after leaving. 0: up to 5 s, but only board.AppEnumeration once the
	// bootloader left the port and nothing new appeared (firmware without
	// USB); with ExpectApp, 5 s.
	AppTimeout time.Duration
	// ExpectApp makes a board that shows no USB device after leaving a
	// failure (for firmware that is known to enumerate).
	ExpectApp bool
	// Events, when set, receives progress as the job goes (board.Event).
	Events func(board.Event)
	// Attempts bounds how often Run tries when the board fails in a way
	// that is safe to retry (default 3; 1 means no retry).
	Attempts int
	// ReconnectTimeout is how long to wait, in the board's clock, for the
	// board to come back in DFU mode after it left the bus (default 10 s).
	ReconnectTimeout time.Duration
	// Override writes an image that a guard refuses: a vector table at
	// the boot address that cannot boot, a flash layout of no known part,
	// or write-protected sectors (whose protection is removed first; the
	// board resets and the job goes on). It never sets read protection
	// level 2 or protects a sector.
	Override bool
	// Backup, when set, receives the board's current content before
	// anything is erased or written: the sectors the image touches, or all
	// of flash with BackupAll. An error from it stops the job.
	Backup    func(*firmware.Image) error
	BackupAll bool
	// Enter, when set, lets Run bring a board that runs its application
	// into the ROM bootloader from software first (package enter) and
	// follow the same board. Nil, or a board with no entry method, keeps
	// board.ErrNotInDFU.
	Enter *enter.Options
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

// Kind is board.Input.
func (e *ImageError) Kind() board.Kind { return board.Input }

func (o *Options) emit(ev board.Event) {
	if o.Events != nil {
		o.Events(ev)
	}
}

// canEnter reports whether Run may enter the bootloader of the device
// described by info from software.
func (o *Options) canEnter(info usb.DeviceInfo) bool {
	return o.Enter != nil && (o.Enter.Method != "" || len(enter.Methods(info.Descriptors)) > 0)
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
	if err := checkAlts(img); err != nil {
		return rep, &ImageError{err}
	}
	_, err := board.DFUInterface(info)
	if err != nil && opts.canEnter(info) {
		// Everything the file alone can tell is checked before a board
		// running its application is rebooted into its bootloader; a
		// board already there is checked against its own part before
		// anything is read or written.
		if err := checkAnyChip(img); err != nil {
			return rep, &ImageError{err}
		}
		if err := checkBootAnyChip(img); err != nil && !opts.Override {
			return rep, err
		}
		opts.emit(board.PhaseStarted{Phase: board.Entering})
		res, eerr := enter.Enter(ctx, host, info, *opts.Enter)
		if eerr != nil {
			return rep, eerr
		}
		rep.Entered, rep.Board, info = res, res.ROM, res.ROM
		opts.emit(board.Entered{Method: string(res.Method), ROM: res.ROM})
		_, err = board.DFUInterface(info)
	}
	if err != nil {
		return rep, err
	}
	j := &job{host: host, img: img, opts: &opts, rep: rep}
	return rep, j.run(ctx, info)
}

// run repeats attempts until one succeeds or a failure is final.
func (j *job) run(ctx context.Context, info usb.DeviceInfo) error {
	opts, rep := j.opts, j.rep
	attempts := opts.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	for resets := 0; ; {
		rep.Attempts++
		err := j.once(ctx, info)
		if err == nil {
			return nil
		}
		if errors.Is(err, errReenumerated) && resets >= 4 {
			err = fmt.Errorf("%w, four times in a row: check the write protection in the option bytes and try again", err)
		}
		if errors.Is(err, errReenumerated) && resets < 4 {
			resets++
			rep.Attempts--
		} else if errors.Is(err, board.ErrNoApp) {
			return err // the flash is known (written, verified): nothing to assess
		} else if !retryable(err) || rep.Attempts >= attempts || ctx.Err() != nil {
			j.assessIfChanged(ctx, info)
			return err
		} else {
			opts.emit(board.Retrying{Attempt: rep.Attempts, Err: err})
		}
		next, werr := j.comeBack(ctx, info.Path)
		if werr != nil || next == nil {
			j.assessIfChanged(ctx, info)
			if werr == nil {
				werr = fmt.Errorf("%w (the board did not come back in DFU mode within %v)", err, reconnectTimeout(opts.ReconnectTimeout))
			}
			return werr
		}
		info = *next
	}
}

func (j *job) assessIfChanged(ctx context.Context, info usb.DeviceInfo) {
	if !j.changed {
		return
	}
	actx, cancel := assessContext(ctx)
	defer cancel()
	j.rep.State = j.assess(actx, info)
	if ctx.Err() != nil && j.rep.State.Read {
		j.rep.State.Recovery = RecoveryInterrupted
	}
}

// job is one Run: state kept across attempts.
type job struct {
	host    usb.Host
	img     *firmware.Image
	opts    *Options
	rep     *Report
	clock   usb.Clock
	chip    *part.Chip    // the chip the database identified
	dev     *chipDevice   // the session's engine, with the chip's quirks
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
	// Open on the option bytes (alternate setting 1) when the device has
	// them: the survey reads them first, then selects internal flash. A
	// leave whose answer was lost leaves the ROM in dfuMANIFEST-SYNC:
	// after a failed attempt, ask the state first and abort it.
	itf, err := board.DFUInterface(info)
	if err != nil {
		return err
	}
	s, err := board.Open(ctx, j.host, info, &board.Options{DFU: opts.DFU, Alt: optionAlt(itf), AbortManifest: rep.Attempts > 1})
	if err != nil {
		return err
	}
	// Closed before waiting for the application: over USB/IP an open
	// device stays imported and would hide what the port shows.
	defer s.Close()
	clock := s.Clock()
	j.clock = clock
	start := clock.Now()
	defer func() { rep.Elapsed += clock.Now().Sub(start) }()
	defer func() { rep.Transfers += s.Conn().Transfers() }()
	prot, err := s.OptionBytesThenFlash(ctx)
	if err != nil {
		return err
	}
	survey, err := j.survey(ctx, s, prot)
	if err != nil || survey == nil {
		return err
	}
	fopts := j.flashOptions()
	plan, err := flash.NewPlan(j.img, survey, &fopts)
	if err != nil {
		return err
	}
	rep.Plan = plan
	opts.emit(board.Planned{Plan: plan})
	if opts.DryRun {
		if rep.Entered == nil {
			return nil
		}
		// The board was entered from software only to be surveyed: start
		// its application again, unchanged.
		opts.emit(board.LeavingUnchanged{})
		if err := s.Leave(ctx, j.jump(s.Conn()), opts.Events); err != nil {
			return err
		}
		app, err := s.Confirm(ctx, opts.AppTimeout, opts.Events)
		rep.App = app
		return err
	}
	return j.execute(ctx, s, plan)
}

// survey checks the image against the layout and the guards, then reads
// the board (read-only). It returns nil, nil for a dry run that stops at
// the write protection.
func (j *job) survey(ctx context.Context, s *board.Session, prot *board.OptionBytes) (*flash.Survey, error) {
	opts := j.opts
	// Validate the image against the layout before reading or writing
	// anything: a plan over unknown content checks everything a real plan
	// checks.
	chip, known := s.Chip()
	j.chip = chip
	if err := j.guard(checkPart(s.Board, s.Layout(), chip, known)); err != nil {
		return nil, err
	}
	j.dev = newChipDevice(s, chip)
	l := j.dev.Layout()
	fopts := j.flashOptions()
	blind, err := flash.NewPlan(j.img, &flash.Survey{Layout: l}, &fopts)
	if err != nil {
		lo, hi := j.img.Span()
		return nil, &ImageError{fmt.Errorf("%w (the image spans 0x%08x-0x%08x, %d bytes; %s has %s)", err, lo, hi-1, j.img.Size(), chip.Name, l.Describe(0))}
	}
	if err := reserved(chip, blind); err != nil {
		return nil, &ImageError{err}
	}
	if err := j.guard(CheckBoot(j.img, l)); err != nil {
		return nil, err
	}
	opts.emit(board.PhaseStarted{Phase: board.Surveying})
	if wp := prot.Protected(chip, touched(blind)); len(wp) > 0 {
		if !opts.Override {
			return nil, &GuardError{Err: ErrWriteProtected, Detail: fmt.Sprintf("sector(s) %s are write-protected (option bytes nWRP)", board.SectorList(wp))}
		}
		opts.emit(board.WriteUnprotecting{Sectors: wp, DryRun: opts.DryRun})
		if !opts.DryRun {
			return nil, unprotect(ctx, s, chip, prot, wp)
		}
	}
	survey, err := flash.TakeSurvey(ctx, j.dev, j.img, func(done, total int) {
		opts.emit(board.Progress{Phase: board.Surveying, Done: done, Total: total})
	})
	if err != nil {
		return nil, err
	}
	if j.before == nil {
		j.before = survey
	}
	if !j.backed && opts.Backup != nil && !opts.DryRun {
		if err := j.backup(ctx, s.Conn(), survey); err != nil {
			return nil, err
		}
	}
	return survey, nil
}

// guard lets a guard's refusal through with Options.Override (reporting
// it), else returns it.
func (j *job) guard(err error) error {
	if err == nil || !j.opts.Override {
		return err
	}
	j.opts.emit(board.Overridden{Guard: err})
	return nil
}

// backup takes and hands over the backup once.
func (j *job) backup(ctx context.Context, conn *dfu.Conn, survey *flash.Survey) error {
	b, err := backup(ctx, conn, survey, j.opts.BackupAll)
	if err != nil {
		return &BackupError{err}
	}
	if err := j.opts.Backup(b); err != nil {
		return &BackupError{err}
	}
	j.backed = true
	return nil
}

// execute runs the plan, then leaves and waits for the application.
func (j *job) execute(ctx context.Context, s *board.Session, plan *flash.Plan) error {
	opts, rep := j.opts, j.rep
	if len(plan.Erased()) > 0 || len(plan.Runs) > 0 {
		j.changed = true
	}
	j.verified = false
	res, err := flash.Run(ctx, &blockwise{Device: j.dev, outer: ctx}, plan, func(p flash.Progress) {
		opts.emit(board.Progress{Phase: board.Phase(p.Phase.String()), Done: p.Done, Total: p.Total})
	})
	// A retry counts what earlier attempts did (their writes are part of
	// what is on the board now).
	rep.Result = flash.Combine(rep.Result, res)
	if err != nil {
		return err
	}
	j.verified = plan.Verify
	if opts.NoLeave {
		return s.Conn().Recover(ctx)
	}
	// The ROM starts the vector table at its address pointer, which the
	// last erase, write or read left anywhere: point it at the flash base
	// unless told otherwise (AN3156 "Leave DFU mode").
	if err := s.Leave(ctx, j.jump(s.Conn()), opts.Events); err != nil {
		return err
	}
	rep.Left = true
	wait := opts.AppTimeout
	if wait <= 0 && opts.ExpectApp {
		wait = 5 * time.Second // expected: give it the whole time
	}
	app, err := s.Confirm(ctx, wait, opts.Events)
	if err != nil {
		return err
	}
	if app == nil && s.StillDFU(ctx, time.Second) {
		rep.Left = false
		return fmt.Errorf("%s: %w", s.Board.Path, ErrStillInROM)
	}
	rep.App = app
	if app == nil && opts.ExpectApp {
		// The flash is known: only the application is missing.
		done := "written (not verified)"
		if j.verified {
			done = fmt.Sprintf("written and verified (%d bytes)", rep.Result.Verified)
		}
		return fmt.Errorf("%s: the image was %s and the board left the bootloader, but: %w", s.Board.Path, done, board.ErrNoApp)
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

// touched returns the sectors a plan erases or writes.
func touched(p *flash.Plan) []dfu.Sector {
	var out []dfu.Sector
	for _, s := range p.Sectors {
		if s.Action != flash.Untouched {
			out = append(out, s.Sector)
		}
	}
	return out
}

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
