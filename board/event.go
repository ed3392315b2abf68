package board

import (
	"fmt"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/usb"
)

// Phase names a step of a job.
type Phase string

// Phases of the jobs of this package and of package update.
const (
	Entering      Phase = "enter"
	Surveying     Phase = "survey"
	Planning      Phase = "plan"
	Erasing       Phase = "erase"
	MassErasing   Phase = "mass-erase"
	Writing       Phase = "write"
	Verifying     Phase = "verify"
	Reading       Phase = "read"
	BlankChecking Phase = "blank-check"
	Unprotecting  Phase = "unprotect"
	Resetting     Phase = "reset"
	Leaving       Phase = "leave"
	WaitingForApp Phase = "wait-app"
)

// phaseDoing says what each phase does, for people.
var phaseDoing = map[Phase]string{
	Entering:      "entering the ROM bootloader from software",
	Surveying:     "surveying the board (read-only): layout, protection, current content",
	Erasing:       "erasing",
	MassErasing:   "mass erase: the whole flash (up to 32 s on a 1 MB part)",
	Writing:       "writing",
	Verifying:     "reading the board back",
	BlankChecking: "checking the sectors are blank",
	Unprotecting:  "read unprotect: mass erase and reset (up to 32 s)",
	Resetting:     "waiting for the board to come back after its reset",
	Leaving:       "leaving the ROM bootloader",
	WaitingForApp: "waiting for the application to appear on USB",
}

// Doing says what the phase does, for people, as it starts: "erasing",
// "leaving the ROM bootloader"; "" for plan and read, which front ends
// show their own way.
func (p Phase) Doing() string { return phaseDoing[p] }

// Message is what the phase's event in a machine-readable stream says of
// it: Doing, except for enter, survey, leave and wait-app, which streams
// name by the phase alone.
func (p Phase) Message() string {
	switch p {
	case Entering, Surveying, Leaving, WaitingForApp:
		return ""
	}
	return p.Doing()
}

// Unit says what a phase counts: "sectors" for erasing, else "bytes".
func (p Phase) Unit() string {
	if p == Erasing {
		return "sectors"
	}
	return "bytes"
}

// Event is something a job reports as it goes: PhaseStarted, Progress,
// Planned, or one of the notes (Entered, Reentered, Retrying, Overridden,
// Unprotecting, LeavingUnchanged, OptionWrite, NoReset).
type Event interface{ event() }

// PhaseStarted: a phase begins.
type PhaseStarted struct{ Phase Phase }

// Progress: Done of Total units of the phase are done.
type Progress struct {
	Phase       Phase
	Done, Total int
}

// Planned: the plan is made (before anything is erased or written).
type Planned struct{ Plan *flash.Plan }

// Entered: a board running its application was brought into the ROM
// bootloader from software (Again: it came back running its application
// during the job and was entered again).
type Entered struct {
	Method string
	ROM    usb.DeviceInfo
	Again  bool
}

// Retrying: an attempt failed in a way that is safe to retry; the board is
// read again and the job planned from what is on it now.
type Retrying struct {
	Attempt int
	Err     error
}

// Overridden: a safety guard would have refused, and the caller's
// override (update.Options.Override) let the job go on.
type Overridden struct{ Guard error }

// WriteUnprotecting: the write protection of sectors the image touches is
// being removed (DryRun: it would be); the board resets and the job goes on.
type WriteUnprotecting struct {
	Sectors []dfu.Sector
	DryRun  bool
}

// LeavingUnchanged: a dry run on a board entered from software starts its
// application again, unchanged.
type LeavingUnchanged struct{}

// OptionWrite: an option-byte block is being written.
type OptionWrite struct {
	Address  uint32
	Bank     int
	From, To optionbytes.Block
}

// NoReset: the board did not reset after an option-byte write.
type NoReset struct{}

// NoApp: after leaving, the bootloader left the board's port and no
// other USB device appeared within After (the firmware has no USB, or
// starts it later than that).
type NoApp struct{ After time.Duration }

// Waiting: a selection waits for a board to appear.
type Waiting struct {
	What string
	For  time.Duration
}

func (PhaseStarted) event()      {}
func (Progress) event()          {}
func (Planned) event()           {}
func (Entered) event()           {}
func (Retrying) event()          {}
func (Overridden) event()        {}
func (WriteUnprotecting) event() {}
func (LeavingUnchanged) event()  {}
func (OptionWrite) event()       {}
func (NoReset) event()           {}
func (Waiting) event()           {}
func (NoApp) event()             {}

// String says what happened, in library terms.
func (e NoApp) String() string {
	return fmt.Sprintf("the bootloader left the bus and no USB device appeared within %v: the firmware has no USB, or starts it later (a longer application timeout waits for it)", e.After)
}

// emit passes ev to events when it is set.
func emit(events func(Event), ev Event) {
	if events != nil {
		events(ev)
	}
}

// String says what happened, in library terms.
func (e Entered) String() string {
	if e.Again {
		return fmt.Sprintf("the board came back running its application; entered the ROM bootloader again with %s", e.Method)
	}
	return fmt.Sprintf("entered the ROM bootloader with %s: %s serial %s on %s", e.Method, e.ROM.ID(), e.ROM.Descriptors.Serial(), e.ROM.Path)
}

// String says what happened, in library terms.
func (e Retrying) String() string {
	return fmt.Sprintf("attempt %d failed: %v; reading the board again and planning from what is on it now", e.Attempt, e.Err)
}

// String says what happened, in library terms.
func (e Overridden) String() string { return fmt.Sprintf("overridden: writing it anyway: %v", e.Guard) }

// String says what happened, in library terms.
func (e WriteUnprotecting) String() string {
	if e.DryRun {
		return fmt.Sprintf("would remove the write protection of sector(s) %s (dry run: not done)", SectorList(e.Sectors))
	}
	return fmt.Sprintf("removing the write protection of sector(s) %s; the board resets and the update continues", SectorList(e.Sectors))
}

// String says what happened, in library terms.
func (LeavingUnchanged) String() string {
	return "dry run: leaving the bootloader, the application was not changed"
}

// String says what happened, in library terms.
func (e OptionWrite) String() string {
	return fmt.Sprintf("writing option bytes at 0x%08x: %s", e.Address, Change(e.From, e.To, e.Bank))
}

// String says what happened, in library terms.
func (NoReset) String() string {
	return "the board did not reset after the write (unexpected for an STM32F4 ROM)"
}

// String says what happened, in library terms.
func (e Waiting) String() string {
	return fmt.Sprintf("waiting up to %v for a %s to appear", e.For, e.What)
}
