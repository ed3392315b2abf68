package board

import (
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

// emit passes ev to events when it is set.
func emit(events func(Event), ev Event) {
	if events != nil {
		events(ev)
	}
}
