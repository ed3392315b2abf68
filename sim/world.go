package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// Options configure a World.
type Options struct {
	// Speed is the clock speed factor: 0 = instant, 1 = real time.
	Speed float64
	// Seed makes every random choice (jitter, crystal misses) repeatable.
	Seed uint64
	// Jitter draws flash times between typical and maximum instead of
	// always typical.
	Jitter bool
	// LowVoltage runs the flash at x8 parallelism (1.8-2.1 V timings).
	LowVoltage bool
	// LeaveAnswersStatus makes the ROM answer the GETSTATUS that starts a
	// leave before it drops off the bus. Off by default: the real ROM
	// usually leaves before the answer completes (docs/PROTOCOL.md section 3).
	LeaveAnswersStatus bool
	// PollProgram, when not zero, replaces the bwPollTimeout every ROM
	// reports for a data block (ROMVersion.PollProgram), for example the
	// block's programming time for benchmarks.
	PollProgram time.Duration
	// USB is the bus timing model; zero means DefaultUSBTiming.
	USB USBTiming
	// Transcript, when set, receives a line for every USB request.
	Transcript io.Writer
	// Faults are injected into every board's ROM, each once per board
	// (ParseFaults reads them; docs/RELIABILITY.md has the model).
	Faults []Fault
	// TransferTimeout is the host transfer timeout a FaultSlow answer is
	// measured against; zero means DefaultTransferTimeout.
	TransferTimeout time.Duration
	// PCAP, when set, receives every control transfer to a ROM bootloader
	// as a pcap capture in Linux usbmon format (link type 220), for
	// Wireshark. Write errors stop the capture, not the simulation.
	PCAP io.Writer
}

// Spec names a board to simulate: a catalog board and the state it starts
// in. Written "NAME" (running its factory application) or "NAME:MODE".
type Spec struct {
	Board string
	// Mode is "" (the factory application), "dfu" (BOOT0 high: held in
	// the ROM bootloader) or an application persona name.
	Mode string
}

// String writes the spec as --sim takes it: "NAME" or "NAME:MODE".
func (s Spec) String() string {
	if s.Mode == "" {
		return s.Board
	}
	return s.Board + ":" + s.Mode
}

// ParseSpecs parses a comma-separated board list such as
// "feather-f405,nucleo-f446re:dfu".
func ParseSpecs(list string) ([]Spec, error) {
	var out []Spec
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, mode, _ := strings.Cut(item, ":")
		if _, err := LookupBoard(name); err != nil {
			return nil, err
		}
		if mode != "" && mode != "dfu" && !knownPersona(mode) {
			return nil, fmt.Errorf("unknown mode %q in %q: use dfu (held in the ROM bootloader) or one of %s", mode, item, strings.Join(PersonaNames(), ", "))
		}
		out = append(out, Spec{Board: name, Mode: mode})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no board named: give at least one, for example feather-f405:dfu")
	}
	return out, nil
}

// World is a set of simulated boards on one USB bus. It implements usb.Bus
// (for USB/IP servers) and usb.Host (for in-process hosts).
type World struct {
	opts   Options
	boards []*Board

	mu      sync.Mutex
	changed chan struct{}
	faults  map[*Board]*faultState
	tmu     sync.Mutex // serialises transcript lines and pcap records
	pcap    *pcapWriter
}

// New builds a world with the given boards, powered on, on ports "1-1",
// "1-2", ... in order. Repeating a board gives it a distinct UID.
func New(specs []Spec, opts Options) (*World, error) {
	if opts.USB == (USBTiming{}) {
		opts.USB = DefaultUSBTiming
	}
	if opts.TransferTimeout <= 0 {
		opts.TransferTimeout = DefaultTransferTimeout
	}
	w := &World{opts: opts, changed: make(chan struct{}), faults: map[*Board]*faultState{}}
	if opts.PCAP != nil {
		w.pcap = newPcapWriter(opts.PCAP)
	}
	seen := map[string]int{}
	for i, s := range specs {
		model, err := LookupBoard(s.Board)
		if err != nil {
			return nil, err
		}
		n := seen[s.Board]
		seen[s.Board]++
		b := &Board{
			model: model, part: model.Part, rom: model.Part.ROM, uid: model.Part.DefaultUID,
			port: fmt.Sprintf("1-%d", i+1), world: w, opts: opts, usb: opts.USB,
			clock: NewClock(opts.Speed),
			rng:   rand.New(rand.NewPCG(opts.Seed, uint64(i)+1)),
			mem:   newMemory(model.Part),
		}
		if model.ROMQuirk != nil {
			model.ROMQuirk(&b.rom)
		}
		if opts.PollProgram > 0 {
			b.rom.PollProgram = opts.PollProgram
		}
		// Distinct boards of one model differ in UID word 2.
		w2 := le32(b.uid[8:]) + uint32(n)
		b.uid[8], b.uid[9], b.uid[10], b.uid[11] = byte(w2), byte(w2>>8), byte(w2>>16), byte(w2>>24)
		persona := model.Factory
		if s.Mode != "" && s.Mode != "dfu" {
			persona = s.Mode
		}
		copy(b.mem.flash, AppImage(b.part, persona, 16<<10))
		b.boot0 = s.Mode == "dfu"
		if fs := newFaultState(opts.Faults); fs != nil {
			w.faults[b] = fs
		}
		if err := b.newChip(); err != nil {
			return nil, err
		}
		w.boards = append(w.boards, b)
	}
	for _, b := range w.boards {
		b.powerOn()
	}
	return w, nil
}

// Speed returns the clock speed factor of the world's boards (Options.Speed).
func (w *World) Speed() float64 { return w.opts.Speed }

// Boards returns the boards in port order.
func (w *World) Boards() []*Board { return w.boards }

// Board returns the board on a port, or nil.
func (w *World) Board(port string) *Board {
	for _, b := range w.boards {
		if b.port == port {
			return b
		}
	}
	return nil
}

// Facts returns the facts of the board on port (Board.Facts); false when
// there is none, or no world (w is nil).
func (w *World) Facts(port string) (Facts, bool) {
	if w == nil || w.Board(port) == nil {
		return Facts{}, false
	}
	return w.Board(port).Facts(), true
}

// Ports implements usb.Bus.
func (w *World) Ports() []string {
	var p []string
	for _, b := range w.boards {
		p = append(p, b.port)
	}
	return p
}

// Attached implements usb.Bus.
func (w *World) Attached(port string) usb.Gadget {
	if b := w.Board(port); b != nil {
		return b.Gadget()
	}
	return nil
}

// Changed implements usb.Bus.
func (w *World) Changed() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changed
}

func (w *World) notify() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
}

// Devices implements usb.Host: the boards enumerated on USB now.
func (w *World) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	var out []usb.DeviceInfo
	for _, b := range w.boards {
		if g := b.Gadget(); g != nil {
			out = append(out, w.info(b, g))
		}
	}
	return out, ctx.Err()
}

func (w *World) info(b *Board, g usb.Gadget) usb.DeviceInfo {
	return usb.DeviceInfo{Host: "sim", Path: b.port, Bus: 1, Address: w.address(b), Descriptors: *g.Descriptors()}
}

// address returns the bus address of the board's current enumeration.
func (w *World) address(b *Board) int {
	b.mu.Lock()
	n := b.enumerations
	b.mu.Unlock()
	idx := 0
	for i, o := range w.boards {
		if o == b {
			idx = i
		}
	}
	// Addresses 2.. in enumeration order, wrapping below 128 like a hub.
	return 2 + (idx+len(w.boards)*(n-1))%126
}

// Open implements usb.Host. The device is the one enumerated on the port
// now; if it is not the one info describes (the board re-enumerated), Open
// fails with usb.ErrGone.
func (w *World) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	b := w.Board(info.Path)
	if b == nil {
		return nil, fmt.Errorf("sim: no port %q: %w", info.Path, usb.ErrNotFound)
	}
	g := b.Gadget()
	if g == nil {
		return nil, fmt.Errorf("sim: nothing enumerated on port %s: %w", info.Path, usb.ErrGone)
	}
	cur := w.info(b, g)
	if cur.Address != info.Address {
		return nil, fmt.Errorf("sim: device on port %s re-enumerated: %w", info.Path, usb.ErrGone)
	}
	d := &device{board: b, gadget: g, info: cur}
	if err := d.configure(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// configurable is a gadget whose configuration the in-process host can
// see without a request, as an operating system knows the configuration
// it set.
type configurable interface{ configuration() uint8 }

// configure sets the device's first configuration unless it has one, as
// an operating system does when it enumerates a device. A device that
// refuses stays unconfigured (as Linux leaves it) and the refusal explains
// the request errors that follow; only a device gone fails the open.
func (d *device) configure(ctx context.Context) error {
	c, ok := d.gadget.(configurable)
	cfgs := d.info.Descriptors.Configs
	if !ok || len(cfgs) == 0 || c.configuration() != 0 {
		return nil
	}
	err := usb.SetConfiguration(ctx, d, cfgs[0].Value)
	if errors.Is(err, usb.ErrGone) || ctx.Err() != nil {
		return fmt.Errorf("sim: configuring the device on port %s: %w", d.info.Path, err)
	}
	d.configErr = err
	return nil
}

// Clock implements usb.Clocked: hosts of a world at speed 0 wait in the
// first board's simulated time. Devices carry their own board's clock.
func (w *World) Clock() usb.Clock {
	if len(w.boards) == 0 {
		return nil
	}
	return w.boards[0].clock
}

func (w *World) record(b *Board, s usb.Setup, out, in []byte, err error) {
	if w.opts.Transcript == nil && w.pcap == nil {
		return
	}
	addr := 0
	if w.pcap != nil {
		addr = w.address(b)
	}
	w.tmu.Lock()
	defer w.tmu.Unlock()
	if w.pcap != nil {
		end := b.clock.Now()
		w.pcap.control(1, addr, s, out, in, err, end.Add(-b.usb.Cost(len(out)+len(in))), end)
	}
	if w.opts.Transcript == nil {
		return
	}
	res := "ok"
	if err != nil {
		res = err.Error()
	}
	data := out
	dir := ">"
	if s.In() {
		data, dir = in, "<"
	}
	fmt.Fprintf(w.opts.Transcript, "%s %10.6f %s %s %d %s %s\n", b.port, b.clock.Elapsed().Seconds(), s, dir, len(data), hexPrefix(data, 16), res)
}

func hexPrefix(b []byte, n int) string {
	if len(b) == 0 {
		return "-"
	}
	s := fmt.Sprintf("%x", b[:min(len(b), n)])
	if len(b) > n {
		s += "..."
	}
	return s
}

// device is an opened in-process device: the host's view of a Gadget.
type device struct {
	board     *Board
	gadget    usb.Gadget
	info      usb.DeviceInfo
	configErr error // why the device is not configured, if it refused
}

func (d *device) Info() usb.DeviceInfo { return d.info }
func (d *device) Clock() usb.Clock     { return d.board.clock }

func (d *device) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	var out []byte
	if !s.In() {
		out = data[:min(len(data), int(s.Length))]
	}
	in, err := d.gadget.Control(ctx, s, out)
	if err != nil {
		return 0, err
	}
	if s.In() {
		return copy(data, in), nil
	}
	return len(out), nil
}

func (d *device) Claim(ctx context.Context, iface uint8) error {
	select {
	case <-d.gadget.Gone():
		return usb.ErrGone
	default:
		return nil
	}
}

func (d *device) SetAlternate(ctx context.Context, iface, alt uint8) error {
	_, err := d.Control(ctx, usb.Setup{RequestType: usb.RecipientInterface, Request: usb.ReqSetInterface, Value: uint16(alt), Index: uint16(iface)}, nil)
	if err != nil && d.configErr != nil {
		return fmt.Errorf("%w (the device refused its configuration when it was opened: %v)", err, d.configErr)
	}
	return err
}

func (d *device) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	if ep&0x80 != 0 {
		in, err := d.gadget.Transfer(ctx, ep, nil, len(data))
		return copy(data, in), err
	}
	_, err := d.gadget.Transfer(ctx, ep, data, 0)
	if err != nil {
		return 0, err
	}
	return len(data), nil
}

func (d *device) Close() error { return nil }
