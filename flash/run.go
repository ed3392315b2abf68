package flash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/usb"
)

// Device is what the engine needs of a DfuSe board whose internal flash
// (alternate setting 0) is selected; *dfu.Conn is one, and tests play a
// recorded transcript through a dfu.Conn (usb/usbtest). Download and
// Upload carry their address: sending the Set Address command that points
// the ROM there, or leaving it out when the pointer is already there, is
// the device's business.
type Device interface {
	// Layout is the memory layout of the selected alternate setting.
	Layout() dfu.Layout
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
// the current content of every readable sector that img touches, read in
// as few uploads as possible. When the board refuses to read
// (dfuERROR/errVENDOR: read protection) the survey says Protected and holds
// no content; that is not an error. progress, if not nil, gets the bytes
// read so far and the total.
func TakeSurvey(ctx context.Context, conn Device, img *firmware.Image, progress func(done, total int)) (*Survey, error) {
	l := conn.Layout()
	if len(l.Regions) == 0 {
		return nil, fmt.Errorf("flash: the selected alternate setting has no DfuSe memory layout: select the internal flash (alternate setting 0)")
	}
	sv := &Survey{Layout: l, Content: map[uint32][]byte{}}
	if img == nil {
		return sv, nil
	}
	// Readable touched sectors, joined into contiguous ranges.
	touched := map[int]bool{}
	for _, seg := range img.Segments {
		if seg.Alt != 0 {
			continue
		}
		for _, s := range l.Touched(seg.Address, uint64(len(seg.Data))) {
			touched[s.Index] = s.Flags&dfu.Readable != 0
		}
	}
	type span struct {
		addr    uint32
		sectors []dfu.Sector
		n       int
	}
	var spans []span
	total := 0
	for _, s := range l.All() {
		if !touched[s.Index] {
			continue
		}
		total += int(s.Size)
		if k := len(spans); k > 0 && uint64(spans[k-1].addr)+uint64(spans[k-1].n) == uint64(s.Address) {
			spans[k-1].sectors = append(spans[k-1].sectors, s)
			spans[k-1].n += int(s.Size)
			continue
		}
		spans = append(spans, span{addr: s.Address, sectors: []dfu.Sector{s}, n: int(s.Size)})
	}
	done := 0
	for _, sp := range spans {
		var prog func(int)
		if progress != nil {
			base := done
			prog = func(d int) { progress(base+d, total) }
		}
		data, err := conn.Upload(ctx, sp.addr, sp.n, prog)
		var se *dfu.StatusError
		if errors.As(err, &se) && se.Status == dfu.ErrVendor {
			sv.Protected, sv.Content = true, nil
			return sv, nil
		}
		if err != nil {
			return nil, fmt.Errorf("flash: surveying 0x%08x-0x%08x: %w", sp.addr, uint64(sp.addr)+uint64(sp.n)-1, err)
		}
		off := 0
		for _, s := range sp.sectors {
			sv.Content[s.Address] = data[off : off+int(s.Size)]
			off += int(s.Size)
		}
		done += sp.n
	}
	return sv, nil
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
// runs, and reads them back when the plan verifies. It returns what was
// done, also on error. It does not leave DFU mode. progress, if not nil,
// is called after every sector erased and every block moved.
func Run(ctx context.Context, conn Device, plan *Plan, progress func(Progress)) (*Result, error) {
	if got, want := conn.Layout().String(), plan.Layout.String(); got != want {
		return nil, fmt.Errorf("flash: the plan was made for layout %s but the device shows %s: survey this board and plan again", want, got)
	}
	clock := conn.Clock()
	res := &Result{}
	index := map[int]int{}
	for _, s := range plan.Sectors {
		if s.Action != Untouched {
			index[s.Index] = len(res.Sectors)
			res.Sectors = append(res.Sectors, SectorResult{Sector: s.Sector, Action: s.Action})
		}
	}
	report := func(ph Phase, done, total int) {
		if progress != nil {
			progress(Progress{Phase: ph, Done: done, Total: total})
		}
	}

	start := clock.Now()
	erase := plan.Erased()
	for i, s := range erase {
		if err := conn.Erase(ctx, s.Address); err != nil {
			res.EraseTime = clock.Now().Sub(start)
			return res, fmt.Errorf("flash: erasing sector %d at 0x%08x: %w", s.Index, s.Address, err)
		}
		res.Sectors[index[s.Index]].Erased = true
		res.Erased++
		report(PhaseErase, i+1, len(erase))
	}
	res.EraseTime = clock.Now().Sub(start)

	total := plan.WriteBytes()
	start = clock.Now()
	for _, r := range plan.Runs {
		base := res.Written
		err := conn.Download(ctx, r.Address, r.Data, func(done int) {
			res.Written = base + done
			report(PhaseWrite, base+done, total)
		})
		if err != nil {
			res.WriteTime = clock.Now().Sub(start)
			return res, fmt.Errorf("flash: writing 0x%08x-0x%08x: %w", r.Address, r.End()-1, err)
		}
		res.Written = base + len(r.Data)
		for _, s := range plan.Layout.Touched(r.Address, uint64(len(r.Data))) {
			if i, ok := index[s.Index]; ok {
				lo, hi := max(uint64(r.Address), uint64(s.Address)), min(r.End(), s.End())
				res.Sectors[i].Written += int(hi - lo)
			}
		}
	}
	res.WriteTime = clock.Now().Sub(start)

	if !plan.Verify {
		return res, nil
	}
	start = clock.Now()
	for _, r := range plan.Runs {
		base := res.Verified
		got, err := conn.Upload(ctx, r.Address, len(r.Data), func(done int) { report(PhaseVerify, base+done, total) })
		if err != nil {
			res.VerifyTime = clock.Now().Sub(start)
			return res, fmt.Errorf("flash: reading back 0x%08x-0x%08x: %w", r.Address, r.End()-1, err)
		}
		for i := range got {
			if got[i] != r.Data[i] {
				res.VerifyTime = clock.Now().Sub(start)
				return res, &VerifyError{Address: r.Address + uint32(i), Wrote: r.Data[i], Read: got[i]}
			}
		}
		res.Verified += len(got)
	}
	res.VerifyTime = clock.Now().Sub(start)
	return res, nil
}
