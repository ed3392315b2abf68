package flash

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/part"
)

// Survey is what a read-only look at a board gives.
type Survey struct {
	// Layout is the memory layout of alternate setting 0 (internal flash).
	Layout dfu.Layout
	// Protected is true when the board refused to read its flash (read
	// protection: dfuERROR/errVENDOR); the content is then unknown.
	Protected bool
	// Content holds the current content of whole sectors, by sector
	// address. A sector that is missing has unknown content. For a sector
	// in Erase it holds only what was read, the first bytes.
	Content map[uint32][]byte
	// Erase holds the sectors whose first bytes read already prove that
	// they must be erased, with the reason, by sector address: the survey
	// read no further (the image covers the rest of each).
	Erase map[uint32]string
}

// Action is what a plan does to one sector.
type Action uint8

// Sector actions.
const (
	// Untouched: the image has no byte in the sector.
	Untouched Action = iota
	// Unchanged: the sector already holds the image's bytes; skipped.
	Unchanged
	// Program: written without an erase, because every byte to write can
	// be programmed from the current content (flash only clears bits).
	Program
	// Erase: erased, and nothing needs writing back (the result is blank).
	Erase
	// EraseProgram: erased, then written.
	EraseProgram
)

var actionNames = [...]string{"-", "unchanged", "write", "erase", "erase+write"}

// String returns "-", "unchanged", "write", "erase" or "erase+write".
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText returns the String form, for JSON output.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Erases reports whether the action erases the sector.
func (a Action) Erases() bool { return a == Erase || a == EraseProgram }

// SectorPlan is the plan for one sector.
type SectorPlan struct {
	dfu.Sector
	Action Action
	// ImageBytes counts the image's bytes in the sector.
	ImageBytes int
	// Kept counts bytes outside the image that the erase would clear and
	// that are written back.
	Kept int
	// Lost counts bytes outside the image that the erase clears for good:
	// their content is unknown (read protection, no survey) or
	// Options.NoKeep asked not to keep them. For unknown content it is
	// every byte outside the image.
	Lost int
	// Reason says why an erasing action erases: the first byte that
	// programming cannot turn into the image's, unknown content, or
	// a rewrite asked for. Empty for the other actions.
	Reason string
	// Surveyed counts the bytes of the sector the survey read (fewer than
	// its size when the first block proved the erase).
	Surveyed int
}

// Span is a contiguous range to write: one Set Address, then consecutive
// blocks.
type Span struct {
	Address uint32
	Data    []byte
}

// End returns the address just past the span.
func (r Span) End() uint64 { return uint64(r.Address) + uint64(len(r.Data)) }

// MarshalJSON gives the address and the size, not the data:
// {"address":134217728,"size":2048}.
func (r Span) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Address uint32 `json:"address"`
		Size    int    `json:"size"`
	}{r.Address, len(r.Data)})
}

// Timing is the time model of a part, used to estimate a plan's duration.
// DatasheetTiming takes the numbers from the chip database.
type Timing struct {
	// SectorErase is the erase time of a sector by its size in bytes.
	SectorErase map[uint32]time.Duration
	// WordProgram is the time to program one 32-bit word.
	WordProgram time.Duration
	// Transfer is the fixed cost of one control transfer (at least one
	// 1 ms USB frame at full speed).
	Transfer time.Duration
	// BytesPerSecond is the data rate of control transfers.
	BytesPerSecond int
}

// Options tune a plan. The zero value gives the defaults.
type Options struct {
	// NoKeep lets an erase clear the bytes of a sector that lie outside
	// the image instead of writing them back.
	NoKeep bool
	// Rewrite erases and writes every sector the image touches, even ones
	// that already hold the image or could be programmed without erase.
	Rewrite bool
	// NoVerify skips reading the written runs back.
	NoVerify bool
	// TransferSize is the device's wTransferSize (default 2048); it only
	// changes the block counts and the estimate.
	TransferSize int
	// Timing, when set, gives the plan an estimated duration.
	Timing *Timing
	// WriteUnit is the chip's flash word in bytes (part.Chip.WriteUnit;
	// 32 on STM32H7). Above 4, every run starts and ends on a flash word,
	// padded with the bytes the sector will hold, and a sector whose
	// words the image touches is programmed without an erase only where
	// those words are blank: a flash word is programmed once after an
	// erase.
	WriteUnit int
	// EraseUnit names the erase unit in the plan's text: "sector"
	// (default) or "page".
	EraseUnit string
	// InterruptMayBootOld leaves an unchanged boot unit (the unit at the
	// flash base, which holds the vector table) alone while other units
	// change, saving its erase and rewrite (16 KB on STM32F4, 128 KB on
	// STM32H7): an update interrupted then leaves the old vector table
	// in front of a half-written image, which a reset from flash (BOOT0
	// low) starts. By default the plan erases that unit first and
	// writes it last (docs/RELIABILITY.md).
	InterruptMayBootOld bool
}

// maxGap is the largest gap between two runs that a plan fills (with the
// bytes the flash will hold there anyway) to save a Set Address.
const maxGap = 256

// Plan is a validated update of internal flash: pure data, made by
// NewPlan, executed by Run.
type Plan struct {
	// Layout is the flash layout the plan was made for; Run refuses a
	// device with another.
	Layout dfu.Layout
	// Sectors has every sector of the layout, in order.
	Sectors []SectorPlan
	// Runs are the ranges to write, in address order, after the erases.
	// Where the image covers whole sectors their Data is the image's own
	// bytes, not a copy: neither may change while the plan is in use.
	Runs []Span
	// Verify is true when Run reads every run back and compares.
	Verify bool
	// Protected repeats Survey.Protected.
	Protected bool
	// Notes explain choices the user should know about (content unknown,
	// bytes lost).
	Notes []string
	// ImageBytes and Segments describe the image.
	ImageBytes, Segments int
	// TransferSize is the block size the counts assume.
	TransferSize int
	// Estimate is the expected duration from Options.Timing (0 without).
	Estimate time.Duration
	// Unit names the erase unit: "sector" or "page".
	Unit string
}

// NewPlan validates img against the survey and plans the update. It
// touches no device. Every byte of the image must lie in writable sectors
// of Survey.Layout, and every segment must be for alternate setting 0.
func NewPlan(img *firmware.Image, survey *Survey, opts *Options) (*Plan, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.TransferSize <= 0 {
		o.TransferSize = 2048
	}
	im, err := checkImage(img, survey)
	if err != nil {
		return nil, err
	}
	l := survey.Layout
	p := &Plan{
		Layout: l, Verify: !o.NoVerify, Protected: survey.Protected,
		ImageBytes: im.Size(), Segments: len(im.Segments), TransferSize: o.TransferSize, Unit: o.EraseUnit,
	}
	if p.Unit == "" {
		p.Unit = "sector"
	}
	if survey.Protected {
		p.Notes = append(p.Notes, "the flash is read-protected: its content is unknown, so every touched sector is erased and its bytes outside the image are lost")
	}
	// final holds the content each changed sector will have after the
	// plan, by sector index; pieces are the ranges that must be written.
	final := map[int][]byte{}
	var pieces []Span
	var unknown, lost int
	for _, s := range l.All() {
		sp, f, err := planSector(s, im, survey, &o)
		if err != nil {
			return nil, err
		}
		if f != nil {
			final[s.Index] = f
			pieces = append(pieces, alignSpans(sp.pieces(f), s.Address, f, o.WriteUnit)...)
		}
		if sp.Action.Erases() && sp.unknown {
			unknown++
		}
		lost += sp.Lost
		p.Sectors = append(p.Sectors, sp.SectorPlan)
	}
	if unknown > 0 && !survey.Protected {
		p.Notes = append(p.Notes, fmt.Sprintf("the content of %d touched sector(s) is unknown (not surveyed): they are erased and their bytes outside the image are lost", unknown))
	}
	if o.NoKeep && lost > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("%d byte(s) outside the image are erased and not written back (no-keep)", lost))
	}
	if pieces, err = p.bootFirst(im, survey, final, pieces, &o); err != nil {
		return nil, err
	}
	p.Runs = mergeRuns(l, final, pieces, o.TransferSize)
	if o.Timing != nil {
		p.Estimate = p.estimate(o.Timing)
	}
	return p, nil
}

// checkImage checks img against the survey's layout and returns it
// normalized (sorted, merged segments).
func checkImage(img *firmware.Image, survey *Survey) (*firmware.Image, error) {
	if img == nil || img.Size() == 0 {
		return nil, fmt.Errorf("flash: the image is empty: nothing to write; check the file")
	}
	if survey == nil || len(survey.Layout.Regions) == 0 {
		return nil, fmt.Errorf("flash: the survey has no memory layout: survey the board's alternate setting 0 (internal flash) first")
	}
	im := &firmware.Image{Segments: append([]firmware.Segment(nil), img.Segments...)}
	if err := im.Normalize(); err != nil {
		return nil, fmt.Errorf("flash: %w", err)
	}
	for _, s := range im.Segments {
		if s.Alt != 0 {
			return nil, fmt.Errorf("flash: segment at 0x%08x (%d bytes) is for alternate setting %d; a plan writes internal flash (alternate setting 0) only: write other memories (option bytes) with their own command", s.Address, len(s.Data), s.Alt)
		}
		if a, out := survey.Layout.FirstOutside(s.Address, uint64(len(s.Data)), dfu.Writable); out {
			return nil, fmt.Errorf("flash: image byte at 0x%08x lies outside the board's writable flash, %s: the image is linked for another part or address; check the file and the board", a, survey.Layout.Describe(dfu.Writable))
		}
	}
	return im, nil
}

// sectorImage is the image's part of one sector: want holds its bytes
// where mask is set, or everywhere when full. A full sector's want is a
// window on the image's own bytes: nothing writes to it.
type sectorImage struct {
	want []byte
	mask []bool
	full bool // one segment covers the whole sector; mask is nil
	n    int
}

// has reports whether the image has the sector's byte at offset i.
func (si sectorImage) has(i int) bool { return si.full || si.mask[i] }

func imageIn(s dfu.Sector, im *firmware.Image) sectorImage {
	var si sectorImage
	for _, seg := range im.Segments {
		if uint64(seg.Address) <= uint64(s.Address) && seg.End() >= s.End() {
			off := s.Address - seg.Address
			return sectorImage{want: seg.Data[off : off+s.Size], full: true, n: int(s.Size)}
		}
	}
	for _, seg := range im.Segments {
		lo, hi := max(uint64(seg.Address), uint64(s.Address)), min(seg.End(), s.End())
		if lo >= hi {
			continue
		}
		if si.want == nil {
			si.want, si.mask = make([]byte, s.Size), make([]bool, s.Size)
		}
		off := lo - uint64(s.Address)
		copy(si.want[off:hi-uint64(s.Address)], seg.Data[lo-uint64(seg.Address):hi-uint64(seg.Address)])
		m := si.mask[off : hi-uint64(s.Address)]
		for i := range m {
			m[i] = true
		}
		si.n += int(hi - lo)
	}
	return si
}

// covers reports whether the image has every byte of the sector from
// offset from on.
func (si sectorImage) covers(from int) bool {
	if si.full {
		return true
	}
	for _, m := range si.mask[from:] {
		if !m {
			return false
		}
	}
	return true
}

// mustErase returns why content cur cannot become the image's bytes
// without an erase ("" when it can: flash programming only clears bits),
// naming the first byte that needs one.
func (si sectorImage) mustErase(base uint32, cur []byte) string {
	i := 0
	if si.full {
		// Eight bytes at a time up to the first word that needs an erase.
		for ; i+8 <= len(cur); i += 8 {
			c, w := binary.LittleEndian.Uint64(cur[i:]), binary.LittleEndian.Uint64(si.want[i:])
			if c&w != w {
				break
			}
		}
	}
	for ; i < len(cur); i++ {
		if si.has(i) && cur[i]&si.want[i] != si.want[i] {
			return fmt.Sprintf("0x%08x holds 0x%02x, the image 0x%02x: programming only clears bits", base+uint32(i), cur[i], si.want[i])
		}
	}
	return ""
}

// sectorPlan is a SectorPlan while it is made.
type sectorPlan struct {
	SectorPlan
	mask    []bool
	unknown bool // the content was unknown
}

// planSector decides one sector's action and returns its final content
// (nil when the sector does not change).
func planSector(s dfu.Sector, im *firmware.Image, survey *Survey, o *Options) (sectorPlan, []byte, error) {
	sp := sectorPlan{SectorPlan: SectorPlan{Sector: s}}
	si := imageIn(s, im)
	sp.ImageBytes, sp.mask = si.n, si.mask
	if si.n == 0 {
		return sp, nil, nil
	}
	cur, known := survey.Content[s.Address]
	reason, proven := survey.Erase[s.Address]
	sp.Surveyed = len(cur)
	switch {
	case survey.Protected:
		known, sp.Reason = false, "read protection: the content is unknown"
	case known && proven:
		sp.Reason = reason
	case known && len(cur) != int(s.Size):
		return sp, nil, fmt.Errorf("flash: the survey holds %d bytes for sector %d at 0x%08x, which has %d: survey the board again", len(cur), s.Index, s.Address, s.Size)
	case !known:
		sp.Reason = "the content is unknown (not surveyed)"
	case o.Rewrite:
		sp.Reason = "rewrite asked for"
	case si.full && bytes.Equal(cur, si.want):
		sp.Action = Unchanged
		return sp, nil, nil
	default:
		sp.Reason = si.mustErase(s.Address, cur)
		if sp.Reason == "" && o.WriteUnit > 4 {
			sp.Reason = si.wordsUsed(s.Address, cur, o.WriteUnit)
		}
	}
	sp.unknown = !known
	if sp.Reason == "" {
		return sp, programmed(&sp, si, cur), nil
	}
	if s.Flags&dfu.Erasable == 0 {
		return sp, nil, fmt.Errorf("flash: sector %d at 0x%08x must be erased for the image but the layout says it cannot be (flags %v; %s): write it with content that only clears bits, or use another address", s.Index, s.Address, s.Flags, sp.Reason)
	}
	f, err := erased(&sp, si, cur, known, o.NoKeep)
	return sp, f, err
}

// programmed plans a sector that needs no erase: unchanged, or written
// over its current content.
func programmed(sp *sectorPlan, si sectorImage, cur []byte) []byte {
	if si.full {
		return programmedWhole(sp, si, cur)
	}
	same := true
	for i := range cur {
		if si.mask[i] && cur[i] != si.want[i] {
			same = false
			break
		}
	}
	if same {
		sp.Action = Unchanged
		return nil
	}
	sp.Action = Program
	f := bytes.Clone(cur)
	for i := range f {
		if si.mask[i] {
			f[i] = si.want[i]
		}
		// Only bytes that change are written (a resumed write skips what
		// an interrupted one left in place).
		sp.mask[i] = si.mask[i] && cur[i] != si.want[i]
	}
	return f
}

// programmedWhole is programmed for a sector the image covers: its final
// content is the image's bytes; the mask marks those that change,
// comparing eight bytes at a time.
func programmedWhole(sp *sectorPlan, si sectorImage, cur []byte) []byte {
	if bytes.Equal(cur, si.want) {
		sp.Action = Unchanged
		return nil
	}
	sp.Action = Program
	sp.mask = make([]bool, len(cur))
	all := [8]bool{true, true, true, true, true, true, true, true}
	for i := 0; i < len(cur); {
		if i+8 <= len(cur) {
			x := binary.LittleEndian.Uint64(cur[i:]) ^ binary.LittleEndian.Uint64(si.want[i:])
			if x == 0 || (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
				// No byte of the word changes, or (no zero byte) every one.
				if x != 0 {
					copy(sp.mask[i:], all[:])
				}
				i += 8
				continue
			}
		}
		for end := min(i+8, len(cur)); i < end; i++ {
			sp.mask[i] = cur[i] != si.want[i]
		}
	}
	return si.want
}

// erased plans a sector that is erased: its final content is the image's
// bytes and the current bytes kept outside it. cur may be a prefix of the
// sector (a survey that stopped early) when the image covers the rest.
func erased(sp *sectorPlan, si sectorImage, cur []byte, known, noKeep bool) ([]byte, error) {
	sp.Action = EraseProgram
	if si.full { // no byte outside the image to keep or lose
		if firstNotFF(si.want) < 0 {
			sp.Action = Erase
		}
		return si.want, nil
	}
	f := bytes.Repeat([]byte{0xff}, int(sp.Size))
	for i := range f {
		switch {
		case si.mask[i]:
			f[i] = si.want[i]
		case !known:
			sp.Lost++
		case i >= len(cur):
			return nil, fmt.Errorf("flash: the survey read %d bytes of sector %d at 0x%08x but the image leaves byte 0x%08x to keep: survey the board again", len(cur), sp.Index, sp.Address, sp.Address+uint32(i))
		case cur[i] == 0xff:
		case noKeep:
			sp.Lost++
		default:
			f[i] = cur[i]
			sp.Kept++
		}
	}
	if firstNotFF(f) < 0 {
		sp.Action = Erase
	}
	return f, nil
}

// pieces returns the ranges of a changed sector to write: the image's
// pieces when programming, the non-blank span after an erase.
func (sp *sectorPlan) pieces(f []byte) []Span {
	var out []Span
	switch sp.Action {
	case Program:
		for i := 0; i < len(sp.mask); {
			if !sp.mask[i] {
				i++
				continue
			}
			j := i
			for j < len(sp.mask) && sp.mask[j] {
				j++
			}
			out = append(out, Span{Address: sp.Address + uint32(i), Data: f[i:j]})
			i = j
		}
	case EraseProgram:
		lo, hi := firstNotFF(f), lastNotFF(f)+1
		out = append(out, Span{Address: sp.Address + uint32(lo), Data: f[lo:hi]})
	}
	return out
}

// follows reports whether b starts where a ends in the same array.
func follows(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && cap(a) >= len(a)+len(b) && &a[:len(a)+1][len(a)] == &b[0]
}

func firstNotFF(b []byte) int {
	for i, c := range b {
		if c != 0xff {
			return i
		}
	}
	return -1
}

func lastNotFF(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0xff {
			return i
		}
	}
	return -1
}

// mergeRuns joins adjacent pieces, and pieces separated by a short gap that
// lies in changed sectors (whose final content is known: writing it there
// changes nothing), into as few runs as possible.
func mergeRuns(l dfu.Layout, final map[int][]byte, pieces []Span, xfer int) []Span {
	sort.Slice(pieces, func(i, j int) bool { return pieces[i].Address < pieces[j].Address })
	fill := func(lo, hi uint64) ([]byte, bool) {
		var b []byte
		for a := lo; a < hi; {
			s, ok := l.Find(uint32(a))
			if !ok {
				return nil, false
			}
			f, changed := final[s.Index]
			if !changed {
				return nil, false
			}
			end := min(hi, s.End())
			b = append(b, f[a-uint64(s.Address):end-uint64(s.Address)]...)
			a = end
		}
		return b, true
	}
	gapMax := uint64(min(maxGap, xfer))
	var runs []Span
	owned := false // the last run's Data is this function's own buffer
	for _, pc := range pieces {
		if n := len(runs); n > 0 && follows(runs[n-1].Data, pc.Data) && uint64(pc.Address) == runs[n-1].End() {
			// The image's own bytes, on from the run's (the windows of
			// whole sectors of one segment): the run grows over them.
			runs[n-1].Data = runs[n-1].Data[:len(runs[n-1].Data)+len(pc.Data)]
			continue
		}
		if n := len(runs); n > 0 {
			last := &runs[n-1]
			if gap := uint64(pc.Address) - last.End(); uint64(pc.Address) >= last.End() && gap <= gapMax {
				if b, ok := fill(last.End(), uint64(pc.Address)); ok {
					if !owned {
						// A piece's Data is a window on a sector's final
						// content: copy before appending to it (once per
						// run, so merging many pieces stays linear).
						last.Data = append(make([]byte, 0, 2*(len(last.Data)+len(b)+len(pc.Data))), last.Data...)
						owned = true
					}
					last.Data = append(append(last.Data, b...), pc.Data...)
					continue
				}
			}
		}
		runs = append(runs, Span{Address: pc.Address, Data: pc.Data})
		owned = false
	}
	return runs
}

// Erased returns the sectors the plan erases.
func (p *Plan) Erased() []SectorPlan {
	var out []SectorPlan
	for _, s := range p.Sectors {
		if s.Action.Erases() {
			out = append(out, s)
		}
	}
	return out
}

// WriteBytes returns the number of bytes the plan writes.
func (p *Plan) WriteBytes() int {
	n := 0
	for _, r := range p.Runs {
		n += len(r.Data)
	}
	return n
}

// Blocks returns the number of DNLOAD data blocks the plan sends.
func (p *Plan) Blocks() int {
	n := 0
	for _, r := range p.Runs {
		n += (len(r.Data) + p.TransferSize - 1) / p.TransferSize
	}
	return n
}

// estimate models the engine's requests: a DfuSe command is one DNLOAD and
// two GETSTATUS; a block one DNLOAD, two GETSTATUS and the programming; a
// verify block one UPLOAD.
func (p *Plan) estimate(t *Timing) time.Duration {
	xfer := func(n int) time.Duration {
		d := t.Transfer
		if t.BytesPerSecond > 0 {
			d += time.Duration(int64(n) * int64(time.Second) / int64(t.BytesPerSecond))
		}
		return d
	}
	command := xfer(5) + 2*xfer(6)
	var d time.Duration
	for _, s := range p.Erased() {
		d += command + t.SectorErase[s.Size]
	}
	for _, r := range p.Runs {
		d += command
		for off := 0; off < len(r.Data); off += p.TransferSize {
			n := min(p.TransferSize, len(r.Data)-off)
			d += xfer(n) + 2*xfer(6) + time.Duration((n+3)/4)*t.WordProgram
		}
		if p.Verify {
			d += command + xfer(0)
			for off := 0; off < len(r.Data); off += p.TransferSize {
				d += xfer(min(p.TransferSize, len(r.Data)-off))
			}
		}
	}
	return d
}

// Full-speed USB as the estimate models it: at least one 1 ms frame per
// control transfer, and about 1 MB/s of data.
const (
	fullSpeedFrame          = time.Millisecond
	fullSpeedBytesPerSecond = 1000000
)

// DatasheetTiming returns the typical flash timing of family f from the
// chip database (at the usual supply) over a full-speed USB link.
func DatasheetTiming(f *part.Family) *Timing {
	t := &Timing{SectorErase: map[uint32]time.Duration{}, WordProgram: f.Timing.WordProgram[0],
		Transfer: fullSpeedFrame, BytesPerSecond: fullSpeedBytesPerSecond}
	for size, d := range f.Timing.Erase {
		t.SectorErase[size] = d[0]
	}
	return t
}

// wordsUsed returns why the image's flash words of a sector cannot be
// programmed without an erase ("" when they can): a flash word of w bytes
// that the image changes must be blank, since it is programmed once after
// an erase.
func (si sectorImage) wordsUsed(base uint32, cur []byte, w int) string {
	for lo := 0; lo < len(cur); lo += w {
		hi := min(lo+w, len(cur))
		changes, blank := false, true
		for i := lo; i < hi; i++ {
			changes = changes || (si.has(i) && cur[i] != si.want[i])
			blank = blank && cur[i] == 0xff
		}
		if changes && !blank {
			return fmt.Sprintf("the %d-byte flash word at 0x%08x is programmed already: a flash word is programmed once after an erase", w, base+uint32(lo))
		}
	}
	return ""
}

// alignSpans widens the spans of one sector at base (final content f, in
// address order) to whole flash words of w bytes, with the bytes the
// sector will hold, and joins spans that then share a word, so that no
// word is written twice; w of 4 or less leaves them as they are. The
// sector's size is a multiple of w.
func alignSpans(spans []Span, base uint32, f []byte, w int) []Span {
	if w <= 4 {
		return spans
	}
	var out []Span
	for _, s := range spans {
		lo := int(s.Address-base) / w * w
		hi := min((int(s.End()-uint64(base))+w-1)/w*w, len(f))
		if n := len(out); n > 0 && uint64(base)+uint64(lo) <= out[n-1].End() {
			lo = int(out[n-1].Address - base)
			out = out[:n-1]
		}
		out = append(out, Span{Address: base + uint32(lo), Data: f[lo:hi]})
	}
	return out
}
