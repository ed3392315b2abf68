package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultKind is what goes wrong.
type FaultKind uint8

// Faults the simulator can inject (docs/RELIABILITY.md has the model).
const (
	// FaultDisconnect: the USB link drops at the request, which is lost
	// unprocessed, and the ROM enumerates again at once (a cable pulled and
	// put back on a self-powered board: no chip reset, flash untouched).
	FaultDisconnect FaultKind = iota + 1
	// FaultStall: the request is answered with a STALL and not processed;
	// the ROM's state does not change.
	FaultStall
	// FaultBusyForever: the ROM stops making progress: from this request
	// on, every GETSTATUS answers dfuDNBUSY and every other request stalls,
	// until the chip is reset. Fired on an erase or a program, the flash is
	// left as after a power loss there.
	FaultBusyForever
	// FaultSlow: the answer comes Delay late. The request is processed; if
	// Delay reaches Options.TransferTimeout the host's transfer times out
	// (usb.ErrTimeout) and it never sees the answer.
	FaultSlow
	// FaultPowerLoss: the chip loses power. Fired on the GETSTATUS that
	// executes an erase or a program, the sector or block is left half done
	// (see partialErase, partialProgram). The board powers up again at
	// once and boots as its BOOT0 pin says.
	FaultPowerLoss
	// FaultROMReset: the ROM resets the chip on its own (as it does when it
	// misses the crystal) instead of processing the request.
	FaultROMReset
)

var faultKindNames = map[FaultKind]string{
	FaultDisconnect:  "disconnect",
	FaultStall:       "stall",
	FaultBusyForever: "busy-forever",
	FaultSlow:        "slow",
	FaultPowerLoss:   "power-loss",
	FaultROMReset:    "rom-reset",
}

// String returns the kind's name in the fault grammar.
func (k FaultKind) String() string {
	if s, ok := faultKindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("fault(%d)", uint8(k))
}

// FaultPoint says where a fault fires: the Nth request of a kind, counted
// per board from power-on, across re-enumerations.
type FaultPoint uint8

// Where faults fire.
const (
	// AtRequest counts every control request the ROM gets.
	AtRequest FaultPoint = iota + 1
	// AtEnter counts standard requests (descriptors, configuration,
	// interface): what a host sends while it opens the device.
	AtEnter
	// AtSurvey counts UPLOAD data blocks of main flash before the first
	// data block is written in this enumeration (a host's survey).
	AtSurvey
	// AtErase counts DfuSe erase commands (sector or mass erase).
	AtErase
	// AtWrite counts DNLOAD data blocks.
	AtWrite
	// AtVerify counts UPLOAD data blocks of main flash after a data block
	// was written in this enumeration (a host's read-back).
	AtVerify
	// AtLeave counts zero-length DNLOADs (the request that leaves).
	AtLeave
)

var faultPointNames = map[FaultPoint]string{
	AtRequest: "req", AtEnter: "enter", AtSurvey: "survey", AtErase: "erase",
	AtWrite: "write", AtVerify: "verify", AtLeave: "leave",
}

// String returns the point's name in the fault grammar.
func (p FaultPoint) String() string {
	if s, ok := faultPointNames[p]; ok {
		return s
	}
	return fmt.Sprintf("point(%d)", uint8(p))
}

// Fault is one fault to inject, once per board.
type Fault struct {
	Kind FaultKind
	At   FaultPoint
	// N is which request of At fires it, from 1.
	N int
	// Delay is how late the answer comes (FaultSlow only).
	Delay time.Duration
}

// String returns the fault in the grammar ParseFaults reads.
func (f Fault) String() string {
	s := fmt.Sprintf("%s@%s", f.Kind, f.At)
	if f.N != 1 || f.At == AtRequest {
		s += ":" + strconv.Itoa(f.N)
	}
	if f.Kind == FaultSlow {
		s += ":" + f.Delay.String()
	}
	return s
}

// FaultKinds and FaultPoints list the names the grammar accepts.
var (
	FaultKinds  = []string{"disconnect", "stall", "busy-forever", "slow", "power-loss", "rom-reset"}
	FaultPoints = []string{"req", "enter", "survey", "erase", "write", "verify", "leave"}
)

// maxFaults bounds a fault list; maxFaultN bounds N.
const (
	maxFaults = 64
	maxFaultN = 1 << 24
	maxDelay  = time.Hour
)

// FaultGrammar describes the fault spec grammar, for help texts and errors.
const FaultGrammar = `FAULT[,FAULT...] where FAULT is KIND@POINT[:N][:DELAY]
  KIND  disconnect | stall | busy-forever | slow | power-loss | rom-reset
  POINT req (every request; needs :N) | enter | survey | erase | write | verify | leave
  N     which request of POINT fires it, from 1 (default 1)
  DELAY how late the answer comes, for slow only (required), e.g. 2s
examples: disconnect@write:3  power-loss@erase  stall@req:17  busy-forever@erase  slow@write:2s  rom-reset@verify`

// ParseFaults reads a comma-separated fault list such as
// "disconnect@write:3,slow@verify:2s". An empty string gives no faults.
func ParseFaults(spec string) ([]Fault, error) {
	var out []Fault
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	for i, item := range strings.Split(spec, ",") {
		if i >= maxFaults {
			return nil, fmt.Errorf("fault spec: more than %d faults: give fewer", maxFaults)
		}
		f, err := parseFault(strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("fault %d %q: %w", i+1, item, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func parseFault(s string) (Fault, error) {
	if s == "" {
		return Fault{}, fmt.Errorf("empty: write KIND@POINT, for example disconnect@write")
	}
	kind, rest, ok := strings.Cut(s, "@")
	if !ok {
		return Fault{}, fmt.Errorf("no '@': write KIND@POINT[:N][:DELAY], for example disconnect@write")
	}
	f := Fault{N: 1}
	for k, name := range faultKindNames {
		if name == kind {
			f.Kind = k
		}
	}
	if f.Kind == 0 {
		return Fault{}, fmt.Errorf("unknown kind %q: use one of %s", kind, strings.Join(FaultKinds, ", "))
	}
	parts := strings.Split(rest, ":")
	for p, name := range faultPointNames {
		if name == parts[0] {
			f.At = p
		}
	}
	if f.At == 0 {
		return Fault{}, fmt.Errorf("unknown point %q: use one of %s", parts[0], strings.Join(FaultPoints, ", "))
	}
	var haveN, haveDelay bool
	for _, a := range parts[1:] {
		switch {
		case a == "":
			return Fault{}, fmt.Errorf("empty field after ':': give a count (3) or, for slow, a delay (2s)")
		case a[0] >= '0' && a[0] <= '9' && strings.Trim(a, "0123456789") == "":
			if haveN {
				return Fault{}, fmt.Errorf("two counts: give N once")
			}
			n, err := strconv.Atoi(a)
			if err != nil || n < 1 || n > maxFaultN {
				return Fault{}, fmt.Errorf("count %q: give a number from 1 to %d", a, maxFaultN)
			}
			f.N, haveN = n, true
		default:
			if haveDelay {
				return Fault{}, fmt.Errorf("two delays: give DELAY once")
			}
			if f.Kind != FaultSlow {
				return Fault{}, fmt.Errorf("%q: only slow takes a delay; %s takes at most a count", a, f.Kind)
			}
			d, err := time.ParseDuration(a)
			if err != nil || d <= 0 || d > maxDelay {
				return Fault{}, fmt.Errorf("delay %q: give a positive duration up to 1h such as 2s or 500ms", a)
			}
			f.Delay, haveDelay = d, true
		}
	}
	if f.At == AtRequest && !haveN {
		return Fault{}, fmt.Errorf("req needs a request number: %s@req:17", f.Kind)
	}
	if f.Kind == FaultSlow && !haveDelay {
		return Fault{}, fmt.Errorf("slow needs a delay: slow@%s:2s", f.At)
	}
	return f, nil
}
