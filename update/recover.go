package update

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
)

// Recovery is what to do with a board an update left unfinished.
const Recovery = "the ROM bootloader is always reachable: hold BOOT0 high and press reset (or power-cycle the board), then run the same command again: it reads the board and writes only what is missing"

// RecoveryVerified is what to do with a board that holds the verified
// image but failed while leaving the bootloader.
const RecoveryVerified = "the board holds the new image, verified: reset it with BOOT0 low (or power-cycle it) to start the application; running the same command again after a reset with BOOT0 high writes nothing and only leaves"

// retryable reports whether an attempt that failed with err may be tried
// again after reading the board afresh: the board left the bus, a request
// timed out or stalled, the device reported a transient status, or the
// read-back differed. Refusals (protection, addresses), guards, a device
// stuck busy and a cancelled context are final.
func retryable(err error) bool {
	var ie *ImageError
	var ge *GuardError
	var be *BackupError
	switch {
	case err == nil, errors.As(err, &ie), errors.As(err, &ge), errors.As(err, &be),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, dfu.ErrStillBusy), errors.Is(err, board.ErrNotInDFU), errors.Is(err, board.ErrNoApp):
		return false
	}
	var ve *flash.VerifyError
	if errors.As(err, &ve) {
		return true
	}
	var se *dfu.StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case dfu.OK, dfu.ErrStalledPkt, dfu.ErrUnknown, dfu.ErrNotDone, dfu.ErrUSBReset, dfu.ErrPOR, dfu.ErrFirmware:
			return true
		}
		return false
	}
	// ErrBusy: another client imported the device for a moment (over
	// USB/IP a device list imports every device briefly).
	return errors.Is(err, usb.ErrGone) || errors.Is(err, usb.ErrTimeout) || errors.Is(err, usb.ErrStall) ||
		errors.Is(err, usb.ErrBusy) || errors.Is(err, ErrStillInROM)
}

func reconnectTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 10 * time.Second
	}
	return d
}

// comeBack waits for the board on port path to be back in DFU mode. A
// board entered from software (BOOT0 low) that was reset during the update
// comes back running its application when the application is intact: with
// Options.Enter it is entered again.
func (j *job) comeBack(ctx context.Context, path string) (*usb.DeviceInfo, error) {
	seen, err := board.Wait(ctx, j.host, j.clock, reconnectTimeout(j.opts.ReconnectTimeout), board.OnPort(path, func(d usb.DeviceInfo) bool {
		return board.InDFU(d) || j.opts.canEnter(d)
	}))
	if seen == nil || err != nil {
		return nil, err
	}
	d := seen.Device
	if board.InDFU(d) {
		return &d, nil
	}
	res, err := enter.Enter(ctx, j.host, d, *j.opts.Enter)
	if err != nil {
		return nil, fmt.Errorf("the board came back running its application and entering the bootloader again failed: %w", err)
	}
	j.opts.emit(board.Entered{Method: string(res.Method), ROM: res.ROM, Again: true})
	return &res.ROM, nil
}

// Sector states in a BoardState.
const (
	SectorGood    = "good"    // holds the image's bytes
	SectorOld     = "old"     // holds what it held before the update
	SectorErased  = "erased"  // blank (0xFF)
	SectorPartial = "partial" // none of the above: partly erased or written
	SectorUnknown = "unknown" // could not be read
)

// SectorState is one touched sector after a failed update.
type SectorState struct {
	dfu.Sector `json:"-"`
	Index      int    `json:"index"`
	Address    uint32 `json:"address"`
	State      string `json:"state"`
}

// BoardState is what a board holds after an update failed part way.
type BoardState struct {
	// Read is true when the state was read back from the board after the
	// failure; false when the board could not be reached (every sector is
	// then SectorUnknown, unless Verified).
	Read bool `json:"read"`
	// Verified is true when the board could not be read after the
	// failure but this update had read back every touched sector and
	// found the image before it (a failure while leaving): the sectors are
	// SectorGood as verified.
	Verified bool `json:"verified"`
	// Sectors are the sectors the image touches.
	Sectors []SectorState `json:"sectors"`
	// Vectors says whether the vector table at the boot address can boot:
	// "bootable", "erased", "not bootable" or "unknown".
	Vectors string `json:"vectors"`
	// Recovery says what to do.
	Recovery string `json:"recovery"`
}

// String prints the state in a few lines.
func (s *BoardState) String() string {
	var b strings.Builder
	by := map[string][]string{}
	var order []string
	for _, x := range s.Sectors {
		if by[x.State] == nil {
			order = append(order, x.State)
		}
		by[x.State] = append(by[x.State], fmt.Sprintf("%d", x.Index))
	}
	how := "as read back after the failure"
	switch {
	case s.Verified:
		how = "as verified before the failure; the board could not be read after it"
	case !s.Read:
		how = "the board could not be read after the failure"
	}
	fmt.Fprintf(&b, "board state (%s):", how)
	for _, st := range order {
		fmt.Fprintf(&b, " %s sector(s) %s;", st, strings.Join(by[st], ","))
	}
	fmt.Fprintf(&b, " vector table at the boot address: %s\nto recover: %s", s.Vectors, s.Recovery)
	return b.String()
}

// assess reads the board after a failure and says what each touched
// sector holds. It never writes.
func (j *job) assess(ctx context.Context, info usb.DeviceInfo) *BoardState {
	st := &BoardState{Vectors: "unknown", Recovery: Recovery}
	if j.rep.Plan != nil {
		for _, s := range j.rep.Plan.Sectors {
			if s.Action != flash.Untouched {
				st.Sectors = append(st.Sectors, SectorState{Sector: s.Sector, Index: s.Index, Address: s.Address, State: SectorUnknown})
			}
		}
	}
	sv, err := j.reread(ctx, info)
	if err != nil || sv == nil || sv.Protected {
		if j.verified {
			st.Verified = true
			for i := range st.Sectors {
				st.Sectors[i].State = SectorGood
			}
			st.Vectors = j.imageVectors()
			st.Recovery = RecoveryVerified
		}
		return st
	}
	st.Read = true
	for i := range st.Sectors {
		st.Sectors[i].State = j.classify(st.Sectors[i].Sector, sv)
	}
	if len(sv.Layout.All()) > 0 {
		first := sv.Layout.All()[0]
		if c := sv.Content[first.Address]; len(c) >= 8 {
			switch {
			case bytes.Equal(c[:8], bytes.Repeat([]byte{0xFF}, 8)):
				st.Vectors = "erased (the board will not start an application)"
			case CheckBoot(&firmware.Image{Segments: []firmware.Segment{{Address: first.Address, Data: c[:8]}}}, sv.Layout) == nil:
				st.Vectors = "bootable"
			default:
				st.Vectors = "not bootable"
			}
		}
	}
	return st
}

// imageVectors says whether the image's own vector table at the boot
// address can boot, for a board verified to hold the image.
func (j *job) imageVectors() string {
	if j.rep.Plan == nil || len(j.rep.Plan.Layout.All()) == 0 {
		return "unknown"
	}
	l := j.rep.Plan.Layout
	if _, _, ok := j.img.VectorTable(l.All()[0].Address); !ok {
		return "unknown"
	}
	if CheckBoot(j.img, l) == nil {
		return "bootable"
	}
	return "not bootable"
}

// reread finds the board again (briefly) and surveys it read-only.
func (j *job) reread(ctx context.Context, info usb.DeviceInfo) (*flash.Survey, error) {
	next, err := board.WaitDFU(ctx, j.host, info.Path, j.clock, time.Second)
	if err != nil || next == nil {
		return nil, fmt.Errorf("board not back in DFU mode: %v", err)
	}
	s, err := board.Open(ctx, j.host, *next, &board.Options{DFU: j.opts.DFU})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return flash.TakeSurvey(ctx, s.Conn(), j.img, nil)
}

// classify says what sector s holds in survey sv.
func (j *job) classify(s dfu.Sector, sv *flash.Survey) string {
	c, ok := sv.Content[s.Address]
	if !ok {
		return SectorUnknown
	}
	want, cov := j.img.Bytes(0, s.Address, int(s.Size))
	good := true
	for i := range c {
		if cov[i] && c[i] != want[i] {
			good = false
			break
		}
	}
	switch {
	case good:
		return SectorGood
	case j.before != nil && bytes.Equal(j.before.Content[s.Address], c):
		return SectorOld
	case bytes.Count(c, []byte{0xFF}) == len(c):
		return SectorErased
	}
	return SectorPartial
}

// BackupError reports a backup that could not be taken or saved: nothing
// was erased or written.
type BackupError struct{ Err error }

// Kind is board.Backup.
func (e *BackupError) Kind() board.Kind { return board.Backup }

// Error says that nothing was changed.
func (e *BackupError) Error() string {
	return fmt.Sprintf("backup: %v; nothing was erased or written", e.Err)
}

// Unwrap returns Err.
func (e *BackupError) Unwrap() error { return e.Err }

// backup returns the board's current content: the surveyed sectors, or
// all of flash.
func backup(ctx context.Context, conn *dfu.Conn, sv *flash.Survey, all bool) (*firmware.Image, error) {
	if sv.Protected {
		return nil, errors.New("the board is read-protected: its flash cannot be read, so it cannot be backed up")
	}
	img := &firmware.Image{}
	if all {
		for _, r := range sv.Layout.Regions {
			n := int(r.End() - uint64(r.Address))
			data, err := conn.Upload(ctx, r.Address, n, nil)
			if err != nil {
				return nil, fmt.Errorf("reading 0x%08x-0x%08x: %w", r.Address, r.End()-1, err)
			}
			img.Segments = append(img.Segments, firmware.Segment{Address: r.Address, Data: data})
		}
	} else {
		for _, s := range sv.Layout.All() {
			c, ok := sv.Content[s.Address]
			if !ok {
				continue
			}
			if len(c) < int(s.Size) {
				// The survey stopped after the first block (it proved an
				// erase): read the rest for the backup.
				rest, err := conn.Upload(ctx, s.Address+uint32(len(c)), int(s.Size)-len(c), nil)
				if err != nil {
					return nil, fmt.Errorf("reading sector %d at 0x%08x: %w", s.Index, s.Address, err)
				}
				c = append(append([]byte(nil), c...), rest...)
			}
			img.Segments = append(img.Segments, firmware.Segment{Address: s.Address, Data: append([]byte(nil), c...)})
		}
	}
	if err := img.Normalize(); err != nil {
		return nil, err
	}
	return img, nil
}
