// Package bench measures whole firmware updates on simulated boards against
// the protocol's physical limit: the datasheet flash time of what the plan
// changes plus the USB time of the fewest DfuSe requests that carry its
// reads and writes (docs/PERFORMANCE.md).
//
// A case builds a simulated world (real datasheet timing, the simulator's
// full-speed USB model, jitter off, the ROM's block-program poll timeout set
// to the programming time), puts the boards in the state the case starts
// from, runs update.Run on every board at once and reports wall time, the
// limit, their ratio, control transfers, host CPU time and peak memory.
// Nothing here asserts a speed: the numbers are measured and printed.
//
// The comparison with dfu-util through the Linux kernel in a QEMU VM uses
// these cases too; it is a command of its own, go run ./test/interop/bench.
package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb"
)

// Case is one benchmark: boards in a starting state and an image to flash.
type Case struct {
	// Name identifies the case in output ("rebuild-all").
	Name string
	// Board is the catalog board (sim.Boards).
	Board string
	// Count is how many such boards are flashed at once (default 1).
	Count int
	// Before returns the flash content the boards hold before the update
	// (written from the flash base), or nil for the factory content.
	Before func(p *sim.Part) []byte
	// Image returns the image to flash, written at the flash base.
	Image func(p *sim.Part) []byte
	// About says in a few words what the case stands for.
	About string
	// Summary says it in one short line, with the board when it is not
	// the usual one (CaseTable).
	Summary string
	// VM is true for the cases the dfu-util comparison in the VM runs
	// (go run ./test/interop/bench).
	VM bool
}

// Image sizes of the standard cases.
const (
	oneMB   = 1 << 20
	twoMB   = 2 << 20
	app64K  = 64 << 10
	sector2 = 0x8000 // offset of sector 2 (16 KB) on every catalog part
)

// build returns a deterministic application image of n bytes; builds with
// different numbers differ in every sector.
func build(p *sim.Part, n, number int) []byte {
	img := sim.AppImage(p, "circuitpython", n)
	for i := 0x200; i < len(img); i += 251 {
		img[i] ^= byte(number * 37)
	}
	if number != 0 {
		for i := 0x200; i < len(img); i += 4096 {
			img[i] ^= byte(number)
		}
	}
	return img
}

// Cases returns the standard cases, the everyday rebuild first. The first
// five run on a feather-f405 and are the cases of the dfu-util comparison
// in the VM too (VM says which), with the same names and starting states.
func Cases() []Case {
	oneSector := func(p *sim.Part) []byte {
		img := build(p, oneMB, 2)
		for i := sector2; i < sector2+16<<10; i += 64 {
			img[i] ^= 0x5A
		}
		return img
	}
	app := func(p *sim.Part) []byte { return build(p, app64K, 3) }
	// oneUnit is an n-byte build with the size bytes at off changed.
	oneUnit := func(n, off, size int) func(p *sim.Part) []byte {
		return func(p *sim.Part) []byte {
			img := build(p, n, 2)
			for i := off; i < off+size; i += 64 {
				img[i] ^= 0x5A
			}
			return img
		}
	}
	return []Case{
		{
			Name: "rebuild-all", Board: "feather-f405", VM: true, About: "1 MB build v2 over v1, every sector changed: every sector erased and written",
			Summary: "1 MB build v2 over v1, every sector changed (feather-f405)",
			Before:  func(p *sim.Part) []byte { return build(p, oneMB, 1) },
			Image:   func(p *sim.Part) []byte { return build(p, oneMB, 2) },
		},
		{
			Name: "factory-full", Board: "feather-f405", VM: true, About: "1 MB image on a board in its factory state (a 16 KB application, the rest erased)",
			Summary: "1 MB image on a board in its factory state",
			Image:   func(p *sim.Part) []byte { return build(p, oneMB, 2) },
		},
		{
			Name: "one-sector", Board: "feather-f405", VM: true, About: "the 1 MB image with one 16 KB sector changed, over the image",
			Summary: "the 1 MB image with one 16 KB sector changed",
			Before:  func(p *sim.Part) []byte { return build(p, oneMB, 2) }, Image: oneSector,
		},
		{
			Name: "app-64K", Board: "feather-f405", VM: true, About: "64 KB application on a board in its factory state",
			Summary: "64 KB application on a board in its factory state",
			Image:   app,
		},
		{
			Name: "eight-boards", Board: "feather-f405", Count: 8, VM: true, About: "app-64K on eight boards at once",
			Summary: "app-64K on eight boards at once",
			Image:   app,
		},
		{
			Name: "full-2MB", Board: "discovery-f429", About: "2 MB image over an older build on the dual-bank part (peak memory)",
			Summary: "2 MB image on the dual-bank discovery-f429 (peak memory)",
			Before:  func(p *sim.Part) []byte { return build(p, twoMB, 1) },
			Image:   func(p *sim.Part) []byte { return build(p, twoMB, 2) },
		},
		{
			Name: "one-page-g4", Board: "nucleo-g431rb", About: "a 128 KB image with one 2 KB page changed, over the image (page erase: the boot unit is one page)",
			Summary: "128 KB image with one 2 KB page changed (nucleo-g431rb)",
			Before:  func(p *sim.Part) []byte { return build(p, 128<<10, 2) }, Image: oneUnit(128<<10, 0x8000, 2<<10),
		},
		{
			Name: "one-page-l4", Board: "nucleo-l476rg", About: "a 1 MB image with one 2 KB page changed, over the image",
			Summary: "1 MB image with one 2 KB page changed (nucleo-l476rg)",
			Before:  func(p *sim.Part) []byte { return build(p, oneMB, 2) }, Image: oneUnit(oneMB, 0x8000, 2<<10),
		},
		{
			Name: "one-sector-h7", Board: "nucleo-h743zi", About: "a 1 MB image with one 128 KB sector changed, over the image (the boot unit is a 128 KB sector)",
			Summary: "1 MB image with one 128 KB sector changed (nucleo-h743zi)",
			Before:  func(p *sim.Part) []byte { return build(p, oneMB, 2) }, Image: oneUnit(oneMB, 0x40000, 128<<10),
		},
	}
}

// Options tune Run.
type Options struct {
	// Speed is the simulator's speed factor (default 1, real time). At
	// other speeds the limit is divided by the speed to compare with wall
	// time.
	Speed float64
	// Instant runs simulated time instantly (speed 0): Ratio is then the
	// board time over the limit, which is exact and repeatable but says
	// nothing of the host's own speed.
	Instant bool
	// USB is the bus model (default sim.DefaultUSBTiming).
	USB sim.USBTiming
	// InterruptMayBootOld plans as flash.Options.InterruptMayBootOld: an
	// unchanged boot unit is not erased and rewritten (the cost of the
	// safe default, docs/PERFORMANCE.md).
	InterruptMayBootOld bool
}

// Result is what one case measured.
type Result struct {
	Case   string
	Board  string
	Boards int
	// Wall is the wall time of the update of all boards (survey to the
	// application back on USB).
	Wall time.Duration
	// BoardTime is the longest board-clock duration of an update.
	BoardTime time.Duration
	// Limit is the protocol minimum of one board's plan (PERFORMANCE.md),
	// divided by the speed factor: the wall time it needs at best.
	Limit time.Duration
	// Ratio is Wall / Limit.
	Ratio float64
	// ClockRatio is BoardTime / Limit (both in simulated time): what the
	// host's requests and computing cost, without the simulator's own
	// timer delays, which only Wall contains.
	ClockRatio float64
	// Transfers counts the control transfers of all boards' DFU sessions.
	Transfers int
	// MinTransfers is the request count the limit assumes, all boards.
	MinTransfers int
	// CPU is the process's user+system CPU time during the case (host and
	// simulator, both in this process); CPUShare is CPU / Wall.
	CPU      time.Duration
	CPUShare float64
	// PeakHeap is the largest Go heap in use seen during the case (host,
	// simulator and images), sampled every 10 ms.
	PeakHeap uint64
	// Erased, Written and Read are one board's sectors erased, bytes
	// written and bytes read (survey and verify).
	Erased, Written, Read int
	// Minimum is one board's protocol minimum in simulated time, with its
	// flash and USB parts.
	Minimum Minimum
}

// Run runs one case. It fails if any board's update fails or the result
// on a board differs from the image.
func Run(ctx context.Context, c Case, opts Options) (*Result, error) {
	if opts.Speed == 0 || opts.Instant {
		opts.Speed = 1
	}
	if opts.USB == (sim.USBTiming{}) {
		opts.USB = sim.DefaultUSBTiming
	}
	count := max(c.Count, 1)
	w, data, err := setUp(c, count, opts)
	if err != nil {
		return nil, err
	}
	part := w.Boards()[0].Part()
	img := &firmware.Image{Format: "bin", Segments: []firmware.Segment{{Address: part.FlashBase, Data: data}}}
	devs, err := w.Devices(ctx)
	if err != nil {
		return nil, err
	}
	if len(devs) != count {
		return nil, fmt.Errorf("bench: case %s: %d devices on the bus, want %d", c.Name, len(devs), count)
	}

	runtime.GC()
	sampler := startHeapSampler()
	cpu0 := cpuTime()
	start := time.Now()
	reps := make([]*update.Report, count)
	errs := make([]error, count)
	var wg sync.WaitGroup
	for i, d := range devs {
		wg.Go(func() {
			reps[i], errs[i] = update.Run(ctx, w, d, img, update.Options{AppTimeout: 5 * time.Second, ExpectApp: true,
				Flash: flash.Options{InterruptMayBootOld: opts.InterruptMayBootOld}})
		})
	}
	wg.Wait()
	res := &Result{Case: c.Name, Board: c.Board, Boards: count, Wall: time.Since(start), CPU: cpuTime() - cpu0, PeakHeap: sampler.stop()}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("bench: case %s: %w", c.Name, err)
	}
	for i, b := range w.Boards() {
		if string(b.Flash()[:len(data)]) != string(data) {
			return nil, fmt.Errorf("bench: case %s: board %d does not hold the image after the update", c.Name, i+1)
		}
	}
	res.measure(reps, opts)
	return res, nil
}

// setUp builds the case's world of count boards in their starting state
// and returns it with the image's bytes.
func setUp(c Case, count int, opts Options) (*sim.World, []byte, error) {
	model := sim.Boards[c.Board]
	if model == nil {
		return nil, nil, fmt.Errorf("bench: case %s: %w %q", c.Name, sim.ErrUnknownBoard, c.Board)
	}
	specs := make([]sim.Spec, count)
	for i := range specs {
		specs[i] = sim.Spec{Board: c.Board, Mode: "dfu"}
	}
	simSpeed := opts.Speed
	if opts.Instant {
		simSpeed = 0
	}
	_, word := sim.DatasheetTiming(false)
	w, err := sim.New(specs, sim.Options{
		Speed: simSpeed, USB: opts.USB,
		// The ROM reports the block's programming time, whole ms down.
		PollProgram: (512 * word).Truncate(time.Millisecond),
	})
	if err != nil {
		return nil, nil, err
	}
	part := model.Part
	if c.Before != nil {
		old := c.Before(part)
		for _, b := range w.Boards() {
			if err := b.WriteFlash(part.FlashBase, old); err != nil {
				return nil, nil, err
			}
		}
	}
	return w, c.Image(part), nil
}

// measure fills in the figures from the boards' reports and the limit.
func (res *Result) measure(reps []*update.Report, opts Options) {
	if res.Wall > 0 {
		res.CPUShare = float64(res.CPU) / float64(res.Wall)
	}
	for _, r := range reps {
		res.Transfers += r.Transfers
		res.BoardTime = max(res.BoardTime, r.Elapsed)
	}
	lim := Limit(reps[0].Plan, surveyed(reps[0].Plan), opts.USB)
	res.Limit = time.Duration(float64(lim.Time) / opts.Speed)
	res.MinTransfers = lim.Transfers * res.Boards
	res.Erased, res.Written, res.Read = lim.Erased, lim.Written, lim.Read
	res.Minimum = lim
	if lim.Time > 0 {
		res.ClockRatio = float64(res.BoardTime) / float64(lim.Time)
	}
	switch {
	case res.Limit <= 0:
	case opts.Instant:
		res.Ratio = float64(res.BoardTime) / float64(res.Limit)
	default:
		res.Ratio = float64(res.Wall) / float64(res.Limit)
	}
}

// surveyed returns the byte ranges the plan's survey read: of every
// readable sector the image touches, all of it or (where it proved an
// erase) its first block, joined where contiguous.
func surveyed(p *flash.Plan) []Range {
	var out []Range
	for _, s := range p.Sectors {
		if s.Action == flash.Untouched {
			continue
		}
		if s.Surveyed == 0 {
			continue
		}
		if k := len(out); k > 0 && out[k-1].End() == uint64(s.Address) {
			out[k-1].Size += s.Surveyed
			continue
		}
		out = append(out, Range{Address: s.Address, Size: s.Surveyed})
	}
	return out
}

// heapSampler records the peak of the Go heap in use.
type heapSampler struct {
	done chan struct{}
	peak chan uint64
}

func startHeapSampler() *heapSampler {
	s := &heapSampler{done: make(chan struct{}), peak: make(chan uint64, 1)}
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse+ms.StackInuse)
			select {
			case <-s.done:
				s.peak <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) stop() uint64 {
	close(s.done)
	return <-s.peak
}

// Devices is the subset of usb.Host a case needs; World implements it.
var _ usb.Host = (*sim.World)(nil)
