package flash

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/usb"
)

// Device is what the engine needs of a DfuSe board whose internal flash
// (alternate setting 0) is selected; *dfu.Conn is one, and tests play a
// recorded transcript through a dfu.Conn (usb/usbtest). Download and
// Upload carry their address: sending the Set Address command that points
// the ROM there, or leaving it out when the pointer already reaches it, is
// the device's business; SetAddress lets the engine place the pointer
// where several transfers can share it.
type Device interface {
	// Layout is the memory layout of the selected alternate setting.
	Layout() dfu.Layout
	// SetAddress sets the address pointer.
	SetAddress(ctx context.Context, addr uint32) error
	// Erase erases the sector that holds addr.
	Erase(ctx context.Context, addr uint32) error
	// Download writes data at addr (erased before), reporting the bytes
	// written so far.
	Download(ctx context.Context, addr uint32, data []byte, progress func(done int)) error
	// Upload reads n bytes from addr, reporting the bytes read so far.
	Upload(ctx context.Context, addr uint32, n int, progress func(done int)) ([]byte, error)
	// Clock is the clock the device's time is measured in.
	Clock() usb.Clock
}

var _ Device = (*dfu.Conn)(nil)

// TakeSurvey looks at the board behind conn (which must have alternate
// setting 0, internal flash, selected) without changing it: its layout, and
// the current content of every readable sector that img touches. A sector
// whose first block already proves it must be erased (a byte the image
// needs that programming cannot make, since it only clears bits) is read
// no further when the image covers the rest of it (nothing there to keep):
// Survey.Erase says why, Survey.Content holds that first block. When the
// board refuses to read (dfuERROR/errVENDOR: read protection) the survey
// says Protected and holds no content; that is not an error. progress, if
// not nil, gets the bytes read so far and the bytes to read (which shrinks
// as sectors are proven).
func TakeSurvey(ctx context.Context, conn Device, img *firmware.Image, progress func(done, total int)) (*Survey, error) {
	l := conn.Layout()
	if len(l.Regions) == 0 {
		return nil, fmt.Errorf("flash: the selected alternate setting has no DfuSe memory layout: select the internal flash (alternate setting 0)")
	}
	sv := &Survey{Layout: l, Content: map[uint32][]byte{}, Erase: map[uint32]string{}}
	if img == nil {
		return sv, nil
	}
	im := &firmware.Image{}
	for _, seg := range img.Segments {
		if seg.Alt == 0 {
			im.Segments = append(im.Segments, seg)
		}
	}
	secs := touchedReadable(l, im)
	sr := &surveyor{conn: conn, progress: progress, probe: probeSize(conn)}
	for _, s := range secs {
		sr.total += int(s.Size)
	}
	for _, s := range secs {
		data, reason, err := sr.sector(ctx, s, imageIn(s, im))
		var se *dfu.StatusError
		if errors.As(err, &se) && se.Status == dfu.ErrVendor {
			sv.Protected, sv.Content, sv.Erase = true, nil, nil
			return sv, nil
		}
		if err != nil {
			return nil, fmt.Errorf("flash: surveying sector %d at 0x%08x: %w", s.Index, s.Address, err)
		}
		sv.Content[s.Address] = data
		if reason != "" {
			sv.Erase[s.Address] = reason
		}
	}
	return sv, nil
}

// touchedReadable returns the readable sectors that im touches, in order.
func touchedReadable(l dfu.Layout, im *firmware.Image) []dfu.Sector {
	touched := map[int]bool{}
	for _, seg := range im.Segments {
		for _, s := range l.Touched(seg.Address, uint64(len(seg.Data))) {
			touched[s.Index] = s.Flags&dfu.Readable != 0
		}
	}
	var out []dfu.Sector
	for _, s := range l.All() {
		if touched[s.Index] {
			out = append(out, s)
		}
	}
	return out
}

// probeSize is the first read of a sector: one block (wTransferSize when
// the device tells it, else the STM32 ROM's 2048).
func probeSize(conn Device) int {
	if f, ok := conn.(interface{ Functional() dfu.Functional }); ok && f.Functional().TransferSize > 0 {
		return int(f.Functional().TransferSize)
	}
	return 2048
}

// surveyor reads sectors for TakeSurvey.
type surveyor struct {
	conn        Device
	progress    func(done, total int)
	probe       int
	done, total int
}

func (sr *surveyor) read(ctx context.Context, addr uint32, n int) ([]byte, error) {
	base := sr.done
	data, err := sr.conn.Upload(ctx, addr, n, func(d int) {
		if sr.progress != nil {
			sr.progress(base+d, sr.total)
		}
	})
	if err == nil {
		sr.done += n
	}
	return data, err
}

// sector reads one sector, or only its first block when that proves the
// sector must be erased and the image covers the rest (reason says why).
func (sr *surveyor) sector(ctx context.Context, s dfu.Sector, si sectorImage) (data []byte, reason string, err error) {
	p := min(sr.probe, int(s.Size))
	if p == int(s.Size) || !si.covers(p) {
		data, err = sr.read(ctx, s.Address, int(s.Size))
		return data, "", err
	}
	head, err := sr.read(ctx, s.Address, p)
	if err != nil {
		return nil, "", err
	}
	if reason := si.mustErase(s.Address, head); reason != "" {
		sr.total -= int(s.Size) - p
		if sr.progress != nil {
			sr.progress(sr.done, sr.total)
		}
		return head, reason, nil
	}
	rest, err := sr.read(ctx, s.Address+uint32(p), int(s.Size)-p)
	return append(head, rest...), "", err
}

// Phase is a step of Run.
type Phase uint8

// Phases of Run, in order.
const (
	PhaseErase Phase = iota
	PhaseWrite
	PhaseVerify
)

// String returns "erase", "write" or "verify".
func (p Phase) String() string {
	switch p {
	case PhaseErase:
		return "erase"
	case PhaseWrite:
		return "write"
	case PhaseVerify:
		return "verify"
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// MarshalText returns the String form, for JSON output.
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Progress reports how far Run is: sectors for PhaseErase, bytes for the
// other phases.
type Progress struct {
	Phase       Phase
	Done, Total int
}

// SectorResult is what Run did to one sector.
type SectorResult struct {
	dfu.Sector
	// Action is the planned action.
	Action Action
	// Erased is true once the sector was erased.
	Erased bool
	// Written counts the bytes written into the sector.
	Written int
}

// Result is what Run did, complete or up to the error.
type Result struct {
	Sectors []SectorResult
	// Erased counts sectors erased; Written and Verified count bytes
	// (Written counts whole blocks the device confirmed, also on error).
	Erased, Written, Verified int
	// Durations of the phases, in the device's clock.
	EraseTime, WriteTime, VerifyTime time.Duration
}

// VerifyError reports the first byte that read back different from what
// was written.
type VerifyError struct {
	Address     uint32
	Wrote, Read byte
}

// Error names the address and the two values and says what to do.
func (e *VerifyError) Error() string {
	return fmt.Sprintf("flash: verify failed at 0x%08x: wrote 0x%02x, read back 0x%02x: the sector may be write-protected (option bytes nWRP) or was not erased; check the option bytes and flash again", e.Address, e.Wrote, e.Read)
}

// Run executes a plan on conn, which must be the surveyed board with
// alternate setting 0 selected: it erases the planned sectors, writes the
// runs, and reads them back when the plan verifies. The block that holds
// the boot vector table (the first block at the flash base) goes last,
// after everything else is written and verified: until the whole image is
// in, a reset finds that block erased (or as it was), never a vector table
// that starts a half-written image; the plan makes sure the block is erased
// when later units change (NewPlan erases the boot unit first, BootReason).
// It returns what was done, also on
// error. It does not leave DFU mode. progress, if not nil, is called after
// every sector erased and every block moved.
func Run(ctx context.Context, conn Device, plan *Plan, progress func(Progress)) (*Result, error) {
	if got, want := conn.Layout().String(), plan.Layout.String(); got != want {
		return nil, fmt.Errorf("flash: the plan was made for layout %s but the device shows %s: survey this board and plan again", want, got)
	}
	r := &runner{conn: conn, plan: plan, progress: progress, res: &Result{}, index: map[int]int{}, kept: map[int]int{}, total: plan.WriteBytes()}
	for _, s := range plan.Sectors {
		if s.Action != Untouched {
			r.index[s.Index] = len(r.res.Sectors)
			r.res.Sectors = append(r.res.Sectors, SectorResult{Sector: s.Sector, Action: s.Action})
		}
	}
	if err := r.erase(ctx); err != nil {
		return r.res, err
	}
	runs, boot := plan.bootLast()
	if len(boot) > 0 && len(runs) > 0 && uint64(runs[0].Address) == boot[0].End() {
		// One pointer at the flash base serves the rest (from block 3),
		// its read-back, the boot block, its read-back and the leave.
		if err := conn.SetAddress(ctx, boot[0].Address); err != nil {
			return r.res, fmt.Errorf("flash: %w", err)
		}
	}
	for _, part := range [][]Span{runs, boot} {
		if err := r.write(ctx, part); err != nil {
			return r.res, err
		}
		if plan.Verify {
			if err := r.verify(ctx, part); err != nil {
				return r.res, err
			}
		}
	}
	return r.res, nil
}

// bootLast splits the plan's runs into the block holding the boot vector
// table (the first block at the flash base, if a run writes it) and the
// rest, in address order.
func (p *Plan) bootLast() (rest, boot []Span) {
	regions := p.Layout.Regions
	if len(regions) == 0 {
		return p.Runs, nil
	}
	base := uint64(regions[0].Address)
	for _, r := range p.Runs {
		if uint64(r.Address) > base || r.End() <= base {
			rest = append(rest, r)
			continue
		}
		off := int(base - uint64(r.Address))
		end := min(off+p.TransferSize, len(r.Data))
		if off > 0 {
			rest = append(rest, Span{Address: r.Address, Data: r.Data[:off]})
		}
		boot = []Span{{Address: uint32(base), Data: r.Data[off:end]}}
		if end < len(r.Data) {
			rest = append(rest, Span{Address: uint32(base) + uint32(end-off), Data: r.Data[end:]})
		}
	}
	return rest, boot
}

// runner is one Run in progress.
type runner struct {
	conn     Device
	plan     *Plan
	progress func(Progress)
	res      *Result
	index    map[int]int // sector index -> res.Sectors
	total    int         // bytes to write
	kept     map[int]int // res.Sectors index -> bytes of finished spans
}

func (r *runner) report(ph Phase, done, total int) {
	if r.progress != nil {
		r.progress(Progress{Phase: ph, Done: done, Total: total})
	}
}

func (r *runner) erase(ctx context.Context) error {
	clock := r.conn.Clock()
	start := clock.Now()
	defer func() { r.res.EraseTime += clock.Now().Sub(start) }()
	erase := r.plan.Erased()
	for i, s := range erase {
		if err := r.conn.Erase(ctx, s.Address); err != nil {
			return fmt.Errorf("flash: erasing sector %d at 0x%08x: %w", s.Index, s.Address, err)
		}
		r.res.Sectors[r.index[s.Index]].Erased = true
		r.res.Erased++
		r.report(PhaseErase, i+1, len(erase))
	}
	return nil
}

func (r *runner) write(ctx context.Context, runs []Span) error {
	clock := r.conn.Clock()
	start := clock.Now()
	defer func() { r.res.WriteTime += clock.Now().Sub(start) }()
	for _, sp := range runs {
		base := r.res.Written
		err := r.conn.Download(ctx, sp.Address, sp.Data, func(done int) {
			r.count(sp, base, done, false)
			r.report(PhaseWrite, base+done, r.total)
		})
		if err != nil {
			return fmt.Errorf("flash: writing 0x%08x-0x%08x: %w", sp.Address, sp.End()-1, err)
		}
		r.count(sp, base, len(sp.Data), true)
	}
	return nil
}

// count records that the first done bytes of sp are written, base being
// Result.Written before sp; finish makes it final for the sectors.
func (r *runner) count(sp Span, base, done int, finish bool) {
	r.res.Written = base + done
	end := uint64(sp.Address) + uint64(done)
	for _, s := range r.plan.Layout.Touched(sp.Address, uint64(done)) {
		if i, ok := r.index[s.Index]; ok {
			lo, hi := max(uint64(sp.Address), uint64(s.Address)), min(end, s.End())
			r.res.Sectors[i].Written = r.kept[i] + int(hi-lo)
			if finish {
				r.kept[i] = r.res.Sectors[i].Written
			}
		}
	}
}

func (r *runner) verify(ctx context.Context, runs []Span) error {
	clock := r.conn.Clock()
	start := clock.Now()
	defer func() { r.res.VerifyTime += clock.Now().Sub(start) }()
	for _, sp := range runs {
		base := r.res.Verified
		got, err := r.conn.Upload(ctx, sp.Address, len(sp.Data), func(done int) { r.report(PhaseVerify, base+done, r.total) })
		if err != nil {
			return fmt.Errorf("flash: reading back 0x%08x-0x%08x: %w", sp.Address, sp.End()-1, err)
		}
		for i := range got {
			if got[i] != sp.Data[i] {
				return &VerifyError{Address: sp.Address + uint32(i), Wrote: sp.Data[i], Read: got[i]}
			}
		}
		r.res.Verified += len(got)
	}
	return nil
}

// Combine returns the work of two attempts at one update as one result:
// the counts and times added; per sector, erased if either erased it, the
// bytes written that are still there (an erase by the later attempt
// clears the earlier's), and the later plan's action where it has the
// sector. Either may be nil.
func Combine(earlier, later *Result) *Result {
	if earlier == nil {
		return later
	}
	if later == nil {
		return earlier
	}
	// The later survey read back every sector it did not erase and found
	// what earlier attempts wrote there as the image has it (a differing
	// byte is written and verified again): those bytes are verified.
	// What they wrote in sectors the later attempt erased is gone.
	out := &Result{
		Erased: earlier.Erased + later.Erased, Written: earlier.Written + later.Written, Verified: later.Verified,
		EraseTime: earlier.EraseTime + later.EraseTime, WriteTime: earlier.WriteTime + later.WriteTime, VerifyTime: earlier.VerifyTime + later.VerifyTime,
	}
	at := map[int]int{}
	for _, s := range earlier.Sectors {
		at[s.Index] = len(out.Sectors)
		out.Sectors = append(out.Sectors, s)
	}
	for _, s := range later.Sectors {
		i, ok := at[s.Index]
		if !ok {
			at[s.Index] = len(out.Sectors)
			out.Sectors = append(out.Sectors, s)
			continue
		}
		o := &out.Sectors[i]
		if !s.Erased {
			out.Verified += o.Written
		}
		if s.Erased {
			o.Written = 0 // what the earlier attempt wrote there is gone
		}
		o.Action, o.Erased, o.Written = s.Action, o.Erased || s.Erased, o.Written+s.Written
	}
	sort.Slice(out.Sectors, func(i, j int) bool { return out.Sectors[i].Index < out.Sectors[j].Index })
	out.Verified = min(out.Verified, out.Written)
	return out
}
