package sim

import (
	"context"
	"sync"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// DefaultTransferTimeout is the host transfer timeout the simulator assumes
// when Options.TransferTimeout is zero: a FaultSlow answer this late or
// later is lost and the host's request fails with usb.ErrTimeout.
const DefaultTransferTimeout = time.Second

// faultState is one board's armed faults and request counters. Counters
// run from power-on of the World and survive re-enumerations and resets,
// so each fault fires at most once.
type faultState struct {
	mu     sync.Mutex
	faults []Fault
	fired  []bool
	count  map[FaultPoint]int
}

func newFaultState(faults []Fault) *faultState {
	if len(faults) == 0 {
		return nil
	}
	return &faultState{faults: faults, fired: make([]bool, len(faults)), count: map[FaultPoint]int{}}
}

// next counts a request at point p and returns its number.
func (fs *faultState) next(p FaultPoint) int {
	fs.count[p]++
	return fs.count[p]
}

// take returns the first unfired fault at (p, n) for which want(kind) is
// true, marking it fired.
func (fs *faultState) take(p FaultPoint, n int, want func(FaultKind) bool) (Fault, bool) {
	for i, f := range fs.faults {
		if !fs.fired[i] && f.At == p && f.N == n && want(f.Kind) {
			fs.fired[i] = true
			return f, true
		}
	}
	return Fault{}, false
}

// Fired returns the faults that have fired on the board so far.
func (b *Board) Fired() []Fault {
	fs := b.world.faultsOf(b)
	if fs == nil {
		return nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []Fault
	for i, f := range fs.faults {
		if fs.fired[i] {
			out = append(out, f)
		}
	}
	return out
}

// atExecute reports whether a fault of kind k at an erase or a write fires
// on the GETSTATUS that executes the operation rather than on its DNLOAD.
func atExecute(k FaultKind) bool { return k == FaultPowerLoss || k == FaultBusyForever }

// faultAction is what the ROM does about a request after fault injection.
type faultAction struct {
	done bool // answered by the fault: in, err
	in   []byte
	err  error
	late time.Duration // FaultSlow: answer this late
}

// classify names the fault point of a request, before the ROM handles it.
func (r *rom) classify(s usb.Setup, out []byte) FaultPoint {
	switch s.Type() {
	case usb.TypeStandard:
		return AtEnter
	case usb.TypeClass:
		switch s.Request {
		case reqDnload:
			switch {
			case len(out) == 0:
				return AtLeave
			case s.Value == 0 && out[0] == dfuseCmdErase && r.alt == 0:
				return AtErase
			case s.Value >= 2 && r.alt == 0:
				return AtWrite
			}
		case reqUpload:
			if s.Value >= 2 && r.alt == 0 {
				if r.wrote {
					return AtVerify
				}
				return AtSurvey
			}
		}
	}
	return 0
}

// inject applies the board's faults to a request. Call with r.mu held.
func (r *rom) inject(ctx context.Context, s usb.Setup, out []byte) faultAction {
	if r.stuck {
		return r.stuckAnswer(s)
	}
	fs := r.b.world.faultsOf(r.b)
	if fs == nil {
		return faultAction{}
	}
	fs.mu.Lock()
	executing := s.Type() == usb.TypeClass && s.Request == reqGetStatus && r.state == stateDnloadSync && r.pending
	reqN := fs.next(AtRequest)
	f, ok := fs.take(AtRequest, reqN, func(FaultKind) bool { return true })
	if !ok && executing && r.opAt != 0 {
		f, ok = fs.take(r.opAt, r.opN, atExecute)
	}
	if p := r.classify(s, out); p != 0 {
		n := fs.next(p)
		if p == AtErase || p == AtWrite {
			r.opAt, r.opN = p, n
			if p == AtWrite {
				r.wrote = true
			}
		}
		if !ok {
			f, ok = fs.take(p, n, func(k FaultKind) bool { return !atExecute(k) || (p != AtErase && p != AtWrite) })
		}
	} else if !executing {
		r.opAt, r.opN = 0, 0
	}
	fs.mu.Unlock()
	if !ok {
		return faultAction{}
	}
	return r.fire(f, s, executing)
}

// fire makes fault f happen on the current request s. executing is true
// when s is the GETSTATUS that starts a pending erase or program.
func (r *rom) fire(f Fault, s usb.Setup, executing bool) faultAction {
	b := r.b
	switch f.Kind {
	case FaultStall:
		return faultAction{done: true, err: usb.ErrStall}
	case FaultSlow:
		return faultAction{late: f.Delay}
	case FaultDisconnect:
		b.mu.Lock()
		if b.state.Run == RunROM {
			b.setGadget(newROM(b))
		}
		b.mu.Unlock()
		return faultAction{done: true, err: usb.ErrGone}
	case FaultROMReset:
		b.Reset()
		return faultAction{done: true, err: usb.ErrGone}
	case FaultPowerLoss:
		if executing {
			b.interrupted(r)
		}
		b.Reset()
		return faultAction{done: true, err: usb.ErrGone}
	case FaultBusyForever:
		if executing {
			b.interrupted(r)
			r.pending = false
			r.state = stateDnbusy
		}
		r.stuck = true
		// The triggering request gets the stuck ROM's answer: a STALL,
		// or dfuDNBUSY for a GETSTATUS.
		return r.stuckAnswer(s)
	}
	return faultAction{}
}

// stuckPoll is the poll timeout a stuck ROM keeps asking for.
const stuckPoll = 100 * time.Millisecond

// stuckAnswer answers a request to a ROM that no longer makes progress.
func (r *rom) stuckAnswer(s usb.Setup) faultAction {
	if s.Type() == usb.TypeClass && s.Request == reqGetStatus {
		return faultAction{done: true, in: status6(statusOK, stuckPoll, stateDnbusy)}
	}
	if s.Type() == usb.TypeClass && s.Request == reqGetState {
		return faultAction{done: true, in: []byte{stateDnbusy}}
	}
	return faultAction{done: true, err: usb.ErrStall}
}

// interrupted leaves the pending erase or program of r half done, as power
// lost in the middle of it would (the model, docs/RELIABILITY.md): a sector
// erase has set the first half of the sector to 0xFF and left the rest; a
// mass erase has done so for the first half of flash; a block program has
// programmed the first half of the block's bytes. Protection still holds:
// nothing changes where the whole operation would change nothing.
func (b *Board) interrupted(r *rom) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.alt != 0 || b.mem.rdpLevel() != 0 {
		return
	}
	data := r.pendingData
	if r.pendingBlk == 0 {
		switch {
		case len(data) == 5 && data[0] == dfuseCmdErase:
			i := b.part.SectorAt(le32(data[1:]))
			if i < 0 || b.mem.writeProtected(i) {
				return
			}
			s := b.part.Sectors[i]
			fill(b.mem.flash[s.Address-b.part.FlashBase:][:s.Size/2], 0xFF)
		case len(data) == 1 && data[0] == dfuseCmdErase:
			for i := range b.part.Sectors {
				if b.mem.writeProtected(i) {
					return
				}
			}
			fill(b.mem.flash[:len(b.mem.flash)/2], 0xFF)
		}
		return
	}
	if r.pendingBlk < 2 {
		return
	}
	addr := r.ptr + uint32(r.pendingBlk-2)*transferSize
	_ = b.mem.program(addr, data[:len(data)/2]) // refused like the whole block would be
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// faultsOf returns a board's fault state, or nil when it has no faults.
func (w *World) faultsOf(b *Board) *faultState { return w.faults[b] }
