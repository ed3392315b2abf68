package bench

import (
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// Range is a span of flash that is read or written.
type Range struct {
	Address uint32
	Size    int
}

// End returns the address just past the range.
func (r Range) End() uint64 { return uint64(r.Address) + uint64(r.Size) }

// Minimum is the protocol minimum of a plan: what no host can beat with
// the ROM DfuSe bootloader (docs/PROTOCOL.md section 4).
type Minimum struct {
	// Time is Flash + USB.
	Time time.Duration
	// Flash is the datasheet (typical, x32) erase time of the erased
	// sectors plus the programming time of every byte written.
	Flash time.Duration
	// USB is the bus time of the fewest requests that carry the reads and
	// writes, each control transfer costing one frame plus its data.
	USB time.Duration
	// Transfers is the number of those requests.
	Transfers int
	// Erased is the number of sectors erased; Written and Read are bytes.
	Erased, Written, Read int
}

// optionBlocks returns the number of option-byte blocks of the part the
// plan's layout shows: one per flash bank.
func optionBlocks(p *flash.Plan) int {
	secs := p.Layout.All()
	if len(secs) == 0 {
		return 0
	}
	chip, _ := board.Chip(usb.DeviceDescriptor{}, p.Layout)
	return len(chip.OptionBlocks)
}

// datasheetTiming returns the typical erase time by unit size and the
// word programming time of the family the plan's layout shows (the
// STM32F4's for a layout of no known part), as the simulator uses them.
func datasheetTiming(p *flash.Plan) (map[uint32]time.Duration, time.Duration) {
	chip, ok := board.Chip(usb.DeviceDescriptor{}, p.Layout)
	if !ok || chip.Family == nil {
		return sim.DatasheetTiming(false)
	}
	t := chip.Family.Timing
	erase := map[uint32]time.Duration{}
	for size, d := range t.Erase {
		erase[size] = d[0]
	}
	return erase, t.WordProgram[0]
}

// transferSize is the ROM's wTransferSize.
const transferSize = 2048

// Limit returns the protocol minimum of carrying out plan p after a survey
// that reads the ranges survey, then leaving the bootloader. The requests
// counted, in order:
//
//   - one GETSTATUS to learn the state;
//   - the option bytes, which a host must read to refuse write-protected
//     sectors before erasing (docs/RELIABILITY.md): per option block (two
//     on dual-bank parts), a Set Address (DNLOAD and two GETSTATUS) on
//     alternate setting 1 and one 16-byte UPLOAD (after which the survey
//     needs a Set Address of its own);
//   - the survey: UPLOADs of at most 2048 bytes, an ABORT between two
//     ranges that do not follow each other (continuing an upload at
//     another block number is not settled by public sources);
//   - one ABORT back to dfuIDLE before the first download;
//   - per erased sector, an Erase command: DNLOAD (5 bytes) and two
//     GETSTATUS, plus the sector's erase time;
//   - per 2048-byte block written, one DNLOAD and two GETSTATUS plus the
//     programming time (nothing overlaps: the ROM programs only after the
//     first GETSTATUS);
//   - the verify: one ABORT, then UPLOADs of every written run;
//   - the leave: ABORT, a zero-length DNLOAD and one GETSTATUS.
//
// A Set Address command (DNLOAD and two GETSTATUS) is counted only where
// the block numbering from the current address pointer (0x08000000 at
// start, the sector's address after an erase) cannot reach a range: a
// range below the pointer or not a whole number of blocks from it. Command processing inside the ROM is not
// counted (no datasheet figure).
func Limit(p *flash.Plan, survey []Range, t sim.USBTiming) Minimum {
	sectorErase, word := datasheetTiming(p)
	var m Minimum
	xfer := func(n int) {
		m.USB += t.Cost(n)
		m.Transfers++
	}
	command := func() { xfer(5); xfer(6); xfer(6) }
	ptr := uint32(sim.FlashBase)
	point := func(addr uint32) {
		if addr < ptr || (addr-ptr)%transferSize != 0 || (addr-ptr)/transferSize+2 > 0xFFFF {
			command()
			ptr = addr
		}
	}
	read := func(r Range) {
		point(r.Address)
		for off := 0; off < r.Size; off += transferSize {
			xfer(min(transferSize, r.Size-off))
		}
		m.Read += r.Size
	}

	xfer(6)
	if n := optionBlocks(p); n > 0 {
		for range n {
			command()
			xfer(16)
		}
		ptr = 0xFFFFFFFF // pointing at the option bytes: flash needs a Set Address
	}
	for i, r := range survey {
		if i > 0 {
			xfer(0) // ABORT: a new upload from another block
		}
		read(r)
	}
	if len(survey) > 0 {
		xfer(0) // ABORT
	}
	for _, s := range p.Erased() {
		command()
		ptr = s.Address // an erase moves the address pointer
		m.Flash += sectorErase[s.Size]
		m.Erased++
	}
	for _, r := range p.Runs {
		point(r.Address)
		for off := 0; off < len(r.Data); off += transferSize {
			n := min(transferSize, len(r.Data)-off)
			xfer(n)
			xfer(6)
			xfer(6)
			m.Flash += time.Duration((n+3)/4) * word
		}
		m.Written += len(r.Data)
	}
	if p.Verify && len(p.Runs) > 0 {
		xfer(0) // ABORT
		for _, r := range p.Runs {
			read(Range{r.Address, len(r.Data)})
		}
	}
	xfer(0) // ABORT
	xfer(0) // zero-length DNLOAD
	xfer(6) // GETSTATUS: the ROM leaves
	m.Time = m.Flash + m.USB
	return m
}
