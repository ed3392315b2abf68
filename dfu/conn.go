package dfu

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// Options tune a Conn. The zero value gives the defaults.
type Options struct {
	// MassEraseTimeout bounds a mass erase or read unprotect (default
	// 40 s: an F4 mass erase can take 32 s while its ROM reports a poll
	// timeout of 100 ms).
	MassEraseTimeout time.Duration
	// EraseTimeout bounds a sector erase (default 5 s).
	EraseTimeout time.Duration
	// ProgramTimeout bounds one block program or one DfuSe command such
	// as Set Address (default 1 s).
	ProgramTimeout time.Duration
	// StallRetries is how many STALLed GETSTATUS requests in a row are
	// retried, each after the last poll timeout the device reported (some
	// ROMs report too short a one and stall polls while busy); default 3,
	// negative for none.
	StallRetries int
	// ClearStuckBusy ends an erase that still answers dfuDNBUSY once its
	// poll timeout has passed twice with two CLRSTATUS (the first answers
	// dfuERROR, the second leaves dfuIDLE) and takes the erase as done, as
	// a device whose ROM stays busy needs (STM32H743 rev V).
	ClearStuckBusy bool
	// Log, when set, receives one line per request and its answer (a -v
	// transcript).
	Log func(line string)
	// Clock is the clock waits happen in; default usb.ClockOf(dev).
	Clock usb.Clock
	// NoQueue makes every request wait for the answer to the one before
	// even where the device can queue requests (usb.ControlQueuer): Upload
	// then asks for one block at a time (QueueDepth), and a DNLOAD's first
	// GETSTATUS is sent only after the DNLOAD's answer. For a host
	// controller or hub that mishandles queued control transfers.
	NoQueue bool
	// Strings are string descriptors already read from this enumeration
	// of the device, by index (the alternate-setting names a listing
	// read): String answers from them without a request.
	Strings map[uint8]string
}

func (o *Options) withDefaults(dev usb.Device) Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MassEraseTimeout <= 0 {
		r.MassEraseTimeout = 40 * time.Second
	}
	if r.EraseTimeout <= 0 {
		r.EraseTimeout = 5 * time.Second
	}
	if r.ProgramTimeout <= 0 {
		r.ProgramTimeout = time.Second
	}
	if r.StallRetries == 0 {
		r.StallRetries = 3
	} else if r.StallRetries < 0 {
		r.StallRetries = 0
	}
	if r.Clock == nil {
		r.Clock = usb.ClockOf(dev)
	}
	return r
}

// stallPause is how long to wait before retrying a STALLed GETSTATUS.
const stallPause = 10 * time.Millisecond

// Conn is a DFU interface of an opened device, set to one alternate
// setting. A Conn is not safe for concurrent use.
type Conn struct {
	dev       usb.Device
	iface     Interface
	alt       uint8
	altName   string
	layout    Layout
	opts      Options
	state     State
	known     bool          // state is the device's state
	leftBus   bool          // the device dropped off the bus during Leave
	lastPoll  time.Duration // the last bwPollTimeout the device reported
	erasing   bool          // poll is waiting for an erase
	transfers int
	ptr       uint32 // the DfuSe address pointer, when ptrKnown (pointAt)
	ptrKnown  bool
	nextUp    uint16 // the block after the last full UPLOAD block (0: none)
	status    [StatusLen]byte
	bound     [3]boundCtx      // bounded's contexts: requests, polls, queued polls
	block     blockOp          // the block being moved, for messages
	strings   map[uint8]string // string descriptors read so far, by index
	cfgValue  uint8            // bConfigurationValue of the DFU interface's configuration
}

// boundCtx is a context with a deadline, shared by consecutive requests.
type boundCtx struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	d      time.Duration
	until  time.Time
}

// bounded returns ctx bounded to about d from now (between 3/4 d and d):
// one context with a deadline serves the requests of the next d/4, so a
// request does not allocate a context and a timer of its own. slot keeps
// requests (0), polls (1) and queued polls (2) apart: making a new
// context cancels the slot's last one, so a slot may serve only requests
// that are over by then.
func (c *Conn) bounded(ctx context.Context, slot int, d time.Duration) context.Context {
	b := &c.bound[slot]
	now := time.Now()
	if b.parent == ctx && b.d == d && b.until.Sub(now) >= d*3/4 {
		return b.ctx
	}
	if b.cancel != nil {
		b.cancel() // no request uses it any more (a Conn is not concurrent)
	}
	// The last one ends by its deadline, d after its last use.
	b.ctx, b.cancel = context.WithDeadline(ctx, now.Add(d))
	b.parent, b.d, b.until = ctx, d, now.Add(d)
	return b.ctx
}

// opName is a fixed operation name for poll.
type opName string

func (o opName) String() string { return string(o) }

// blockOp names a data block for messages, built only when needed.
type blockOp struct {
	verb  string // "write" or "read"
	block uint16
	n     int
	addr  uint32
}

func (b *blockOp) String() string {
	return fmt.Sprintf("%s block %d (%d bytes at 0x%08x)", b.verb, b.block, b.n, b.addr)
}

// Open claims DFU interface iface of dev, selects alternate setting alt and
// reads the functional descriptor and the alternate setting's memory layout
// string. It does not talk DFU yet: the first operation brings the device
// to dfuIDLE (see Recover). Open never closes dev.
func Open(ctx context.Context, dev usb.Device, iface, alt uint8, opts *Options) (*Conn, error) {
	c := &Conn{dev: dev, opts: opts.withDefaults(dev)}
	c.strings = maps.Clone(c.opts.Strings)
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	c.cfgValue = cfg.Value
	var found []string
	for _, it := range FindInterfaces(cfg) {
		found = append(found, fmt.Sprint(it.Number))
		if it.Number == iface {
			c.iface = it
		}
	}
	if c.iface.Alts == nil {
		if found == nil {
			return nil, fmt.Errorf("dfu: device %v has no DFU interface (class 0xfe subclass 0x01): it is not in DFU mode or not a DFU device", dev.Info())
		}
		return nil, fmt.Errorf("dfu: device %v has no DFU interface %d; its DFU interfaces are %s", dev.Info(), iface, strings.Join(found, ", "))
	}
	if !c.iface.HasFunctional {
		return nil, fmt.Errorf("dfu: DFU interface %d of %v has no valid functional descriptor (type 0x21): cannot tell the transfer size", iface, dev.Info())
	}
	if c.iface.Functional.TransferSize == 0 {
		return nil, fmt.Errorf("dfu: DFU interface %d of %v declares wTransferSize 0: cannot transfer data", iface, dev.Info())
	}
	if err := dev.Claim(ctx, iface); err != nil {
		return nil, fmt.Errorf("dfu: claiming interface %d: %w", iface, err)
	}
	if err := c.SelectAlt(ctx, alt); err != nil {
		return nil, err
	}
	return c, nil
}

// config returns the device's first configuration, from the device
// information or, if the backend has none, read from the device.
func (c *Conn) config(ctx context.Context) (usb.ConfigDescriptor, error) {
	if cs := c.dev.Info().Descriptors.Configs; len(cs) > 0 {
		return cs[0], nil
	}
	get := func(n int) ([]byte, error) {
		b := make([]byte, n)
		k, err := c.dev.Control(ctx, usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescConfiguration << 8, Length: uint16(n)}, b)
		if err != nil {
			return nil, fmt.Errorf("dfu: reading the configuration descriptor: %w", err)
		}
		return b[:k], nil
	}
	b, err := get(9)
	if err != nil {
		return usb.ConfigDescriptor{}, err
	}
	if len(b) >= 4 {
		if total := int(b[2]) | int(b[3])<<8; total > 9 {
			if b, err = get(total); err != nil {
				return usb.ConfigDescriptor{}, err
			}
		}
	}
	cfg, err := usb.ParseConfigDescriptor(b)
	if err != nil {
		return cfg, fmt.Errorf("dfu: %w", err)
	}
	return cfg, nil
}

// SelectAlt selects another alternate setting of the interface (DfuSe:
// another memory, such as alt 1 for the option bytes) and reads its memory
// layout string.
func (c *Conn) SelectAlt(ctx context.Context, alt uint8) error {
	var a *Alt
	var alts []string
	for i := range c.iface.Alts {
		alts = append(alts, fmt.Sprint(c.iface.Alts[i].Alternate))
		if c.iface.Alts[i].Alternate == alt {
			a = &c.iface.Alts[i]
		}
	}
	if a == nil {
		return fmt.Errorf("dfu: DFU interface %d has no alternate setting %d; it has %s", c.iface.Number, alt, strings.Join(alts, ", "))
	}
	if err := c.setAlternate(ctx, alt); err != nil {
		op := fmt.Sprintf("selecting alternate setting %d of interface %d", alt, c.iface.Number)
		return c.explainStuck(ctx, op, fmt.Errorf("dfu: %s: %w", op, err))
	}
	c.alt, c.known, c.ptrKnown = alt, false, false
	name, err := c.String(ctx, a.StringIndex)
	if err != nil {
		op := fmt.Sprintf("reading the name of alternate setting %d", alt)
		return c.explainStuck(ctx, op, fmt.Errorf("dfu: %s: %w", op, err))
	}
	c.altName, c.layout = name, Layout{}
	// Run-time interfaces may carry any name, '@' or not.
	if strings.HasPrefix(name, "@") && !c.iface.RunTime() {
		l, err := ParseLayout(name)
		if err != nil {
			return err
		}
		c.layout = l
	}
	return nil
}

// setAlternate sends SET_INTERFACE. A device that stalls it and answers
// GET_CONFIGURATION with 0 lost its configuration while the host still
// lists it as configured: Linux does that when a USB/IP import lands on a
// port whose earlier device it has not removed yet and whose descriptors
// are the same, keeping the old device. It is configured again
// (SET_CONFIGURATION with the value the host lists) and asked once more.
func (c *Conn) setAlternate(ctx context.Context, alt uint8) error {
	err := c.dev.SetAlternate(ctx, c.iface.Number, alt)
	if !errors.Is(err, usb.ErrStall) || c.cfgValue == 0 {
		return err
	}
	if v, gerr := usb.Configuration(ctx, c.dev); gerr != nil || v != 0 {
		return err
	}
	if serr := usb.SetConfiguration(ctx, c.dev, c.cfgValue); serr != nil {
		return fmt.Errorf("%w; the device answers as unconfigured and refused to be configured again (%v): replug it", err, serr)
	}
	if err := c.dev.SetAlternate(ctx, c.iface.Number, alt); err != nil {
		return fmt.Errorf("%w (after configuring the device again: it had lost its configuration)", err)
	}
	return nil
}

// Device returns the device the Conn talks to.
func (c *Conn) Device() usb.Device { return c.dev }

// Interface returns the DFU interface as found in the configuration.
func (c *Conn) Interface() Interface { return c.iface }

// Functional returns the interface's functional descriptor.
func (c *Conn) Functional() Functional { return c.iface.Functional }

// Alt returns the selected alternate setting.
func (c *Conn) Alt() uint8 { return c.alt }

// String returns string descriptor i (US English), read from the device
// once per Conn unless Options.Strings has it: a ROM's strings do not
// change while it runs, and every repeated read is a control request the
// ROM does not need.
func (c *Conn) String(ctx context.Context, i uint8) (string, error) {
	if s, ok := c.strings[i]; ok {
		return s, nil
	}
	s, err := usb.ReadString(ctx, c.dev, i)
	if err != nil {
		return "", err
	}
	if c.strings == nil {
		c.strings = map[uint8]string{}
	}
	c.strings[i] = s
	return s, nil
}

// AltName returns the selected alternate setting's iInterface string (for
// DfuSe, the memory layout string as the device sent it).
func (c *Conn) AltName() string { return c.altName }

// Layout returns the selected alternate setting's parsed memory layout (the
// zero Layout when its name is not a DfuSe layout string).
func (c *Conn) Layout() Layout { return c.layout }

// Clock returns the clock the Conn waits in.
func (c *Conn) Clock() usb.Clock { return c.opts.Clock }

// Transfers returns the number of control transfers made so far.
func (c *Conn) Transfers() int { return c.transfers }

// requestTimeout bounds one DFU request other than GETSTATUS (wall time: it
// is the transport's timeout, not the device's).
const requestTimeout = 2 * time.Second

// control performs one DFU class request and logs it.
func (c *Conn) control(ctx context.Context, req Request, value uint16, data []byte, in bool) (int, error) {
	var s usb.Setup
	if in {
		s = usb.ClassInterfaceIn(uint8(req), value, uint16(c.iface.Number), len(data))
	} else {
		s = usb.ClassInterfaceOut(uint8(req), value, uint16(c.iface.Number), len(data))
	}
	c.transfers++
	if req != ReqGetStatus {
		// Every request but GETSTATUS is answered at once (the ROM holds
		// only the status stage while its flash is busy): bound it, so a
		// backend can use its cheapest blocking call. GETSTATUS gets the
		// deadline of the operation it polls, from poll.
		ctx = c.bounded(ctx, 0, requestTimeout)
	}
	n, err := c.dev.Control(ctx, s, data)
	if err != nil {
		c.ptrKnown = false
	}
	c.logRequest(req, s, data, n, err, in)
	return n, err
}

// logRequest writes one request to the transcript (Options.Log).
func (c *Conn) logRequest(req Request, s usb.Setup, data []byte, n int, err error, in bool) {
	if c.opts.Log != nil {
		line := fmt.Sprintf("%-9s %v", req, s)
		if !in && len(data) > 0 {
			line += " out " + hexHead(data)
		}
		switch {
		case err != nil:
			line += " -> " + err.Error()
		case in:
			line += " -> in " + hexHead(data[:n])
			if req == ReqGetStatus {
				if st, err := ParseStatus(data[:n]); err == nil {
					line += " (" + st.String() + ")"
				}
			}
		default:
			line += " -> ok"
		}
		c.opts.Log(line)
	}
}

func hexHead(b []byte) string {
	const max = 16
	s := fmt.Sprintf("[% x", b[:min(len(b), max)])
	if len(b) > max {
		s += fmt.Sprintf(" ... (%d bytes)", len(b))
	}
	return s + "]"
}

// GetStatus sends GETSTATUS and returns the device's answer. A STALLed
// request is retried up to Options.StallRetries times.
func (c *Conn) GetStatus(ctx context.Context) (Status, error) {
	return c.getStatus(ctx, nil)
}

// getStatus is GetStatus whose first answer, when queued is not nil, is
// that of a GETSTATUS already queued into c.status (downloadPolled).
func (c *Conn) getStatus(ctx context.Context, queued func() (int, error)) (Status, error) {
	buf := c.status[:]
	for try := 0; ; try++ {
		var n int
		var err error
		if try == 0 && queued != nil {
			n, err = queued()
		} else {
			n, err = c.control(ctx, ReqGetStatus, 0, buf, true)
		}
		if errors.Is(err, usb.ErrStall) && try < c.opts.StallRetries {
			if err := c.opts.Clock.Sleep(ctx, max(stallPause, c.lastPoll)); err != nil {
				return Status{}, err
			}
			continue
		}
		if err != nil {
			c.known = false
			return Status{}, fmt.Errorf("dfu: GETSTATUS: %w", err)
		}
		st, err := ParseStatus(buf[:n])
		if err != nil {
			c.known = false
			return st, err
		}
		c.state, c.known, c.lastPoll = st.State, true, st.PollTimeout
		return st, nil
	}
}

// GetState sends GETSTATE and returns the device's state.
func (c *Conn) GetState(ctx context.Context) (State, error) {
	buf := make([]byte, 1)
	n, err := c.control(ctx, ReqGetState, 0, buf, true)
	if err != nil {
		return 0, fmt.Errorf("dfu: GETSTATE: %w", err)
	}
	if n != 1 {
		return 0, fmt.Errorf("dfu: GETSTATE answer is %d bytes, want 1", n)
	}
	return State(buf[0]), nil
}

// ClearStatus sends CLRSTATUS. Send it only in dfuERROR: ST's DFU code
// moves the device to dfuERROR/errUNKNOWN when it gets CLRSTATUS in any
// other state. Recover does this right.
func (c *Conn) ClearStatus(ctx context.Context) error {
	c.ptrKnown = false
	if _, err := c.control(ctx, ReqClrStatus, 0, nil, false); err != nil {
		c.known = false
		return fmt.Errorf("dfu: CLRSTATUS: %w", err)
	}
	c.state = StateIdle
	return nil
}

// Abort sends ABORT, which returns the device to dfuIDLE from
// dfuDNLOAD-IDLE or dfuUPLOAD-IDLE.
func (c *Conn) Abort(ctx context.Context) error {
	if _, err := c.control(ctx, ReqAbort, 0, nil, false); err != nil {
		c.known = false
		return fmt.Errorf("dfu: ABORT: %w", err)
	}
	c.state = StateIdle
	return nil
}

// Detach asks a run-time interface to detach into DFU mode, waiting at
// most timeout for the USB reset. A device that leaves the bus at once has
// done what was asked: that is not an error.
func (c *Conn) Detach(ctx context.Context, timeout time.Duration) error {
	ms := min(timeout.Milliseconds(), 0xffff)
	if _, err := c.control(ctx, ReqDetach, uint16(ms), nil, false); err != nil && !errors.Is(err, usb.ErrGone) {
		return fmt.Errorf("dfu: DETACH: %w", err)
	}
	c.known = false
	return nil
}

// DownloadBlock sends one DNLOAD request with block number block and
// nothing else (no GETSTATUS). It is the raw request under Download and the
// DfuSe commands; most callers want those.
func (c *Conn) DownloadBlock(ctx context.Context, block uint16, data []byte) error {
	c.beforeDnload(block, data)
	if _, err := c.control(ctx, ReqDnload, block, data, false); err != nil {
		return fmt.Errorf("dfu: DNLOAD block %d: %w", block, err)
	}
	return nil
}

// beforeDnload forgets what a DNLOAD of block with data changes.
func (c *Conn) beforeDnload(block uint16, data []byte) {
	c.known = false
	if block == 0 || len(data) == 0 {
		c.ptrKnown = false // a DfuSe command, or the end of the session
	}
}

// UploadBlock sends one UPLOAD request for len(buf) bytes with block
// number block and returns the number of bytes the device sent.
func (c *Conn) UploadBlock(ctx context.Context, block uint16, buf []byte) (int, error) {
	c.known, c.nextUp = false, 0
	if block < firstDataBlock {
		c.ptrKnown = false // Get Commands, or a block the ROM refuses
	}
	n, err := c.control(ctx, ReqUpload, block, buf, true)
	if err != nil {
		return n, fmt.Errorf("dfu: UPLOAD block %d: %w", block, err)
	}
	c.state, c.known = StateUploadIdle, true
	if block >= firstDataBlock && n == int(c.iface.Functional.TransferSize) && n == len(buf) {
		c.nextUp = block + 1
	}
	return n, nil
}

// recoverSteps bounds the requests Recover sends.
const recoverSteps = 16

// Recover brings the device to dfuIDLE: GETSTATUS; in dfuERROR send
// CLRSTATUS, in dfuDNLOAD-IDLE, dfuUPLOAD-IDLE, dfuDNLOAD-SYNC or
// dfuMANIFEST-SYNC send ABORT, in dfuDNBUSY wait the poll timeout; then ask
// again. It never sends CLRSTATUS outside dfuERROR.
func (c *Conn) Recover(ctx context.Context) error {
	start := c.opts.Clock.Now()
	var last Status
	busy := 0
	for range recoverSteps {
		st, err := c.GetStatus(ctx)
		if err != nil {
			return fmt.Errorf("dfu: recovering to dfuIDLE: %w", err)
		}
		last = st
		switch st.State {
		case StateIdle:
			return nil
		case StateError:
			err = c.ClearStatus(ctx)
		case StateDnloadIdle, StateUploadIdle, StateDnloadSync, StateManifestSync:
			err = c.Abort(ctx)
		case StateDnbusy:
			if busy++; busy > 2 && c.opts.ClearStuckBusy {
				// Stuck (Options.ClearStuckBusy): CLRSTATUS gives
				// dfuERROR, which the next step clears.
				err = c.ClearStatus(ctx)
				break
			}
			if c.opts.Clock.Now().Sub(start) > c.opts.MassEraseTimeout {
				return &StatusError{Op: "recovering to dfuIDLE", State: st.State, Status: st.Status,
					Err: fmt.Errorf("%w after %v", ErrStillBusy, c.opts.MassEraseTimeout)}
			}
			err = c.opts.Clock.Sleep(ctx, max(st.PollTimeout, time.Millisecond))
		case StateAppIdle, StateAppDetach:
			return fmt.Errorf("dfu: device is in run-time mode (%v): detach it into DFU mode first", st.State)
		default:
			return fmt.Errorf("dfu: device is leaving DFU mode (%v): wait for it to come back on the bus and open it again", st.State)
		}
		if err != nil {
			return fmt.Errorf("dfu: recovering to dfuIDLE: %w", err)
		}
	}
	return &StatusError{Op: fmt.Sprintf("recovering to dfuIDLE (%d requests)", recoverSteps), State: last.State, Status: last.Status}
}

// ready brings the device to a state where a DNLOAD (or, with upload, an
// UPLOAD) starting a new transfer is legal, with as few requests as the
// known state allows.
func (c *Conn) ready(ctx context.Context, upload bool) error {
	if c.known {
		switch c.state {
		case StateIdle:
			return nil
		case StateDnloadIdle:
			if !upload {
				return nil
			}
			return c.Abort(ctx)
		case StateUploadIdle:
			return c.Abort(ctx)
		}
	}
	return c.Recover(ctx)
}

// pollBound bounds a GETSTATUS that polls an operation of at most limit.
// The ROM may hold its status stage for as long as the flash operation
// takes: the request gets the operation's whole limit (and a little more
// for the transport), never a short timeout.
func (c *Conn) pollBound(ctx context.Context, limit time.Duration) context.Context {
	return c.bounded(ctx, 1, limit+time.Second/2)
}

// queuedPollBound is pollBound for a GETSTATUS queued behind a DNLOAD
// (downloadPolled), which is still waiting when poll makes its first
// context.
func (c *Conn) queuedPollBound(ctx context.Context, limit time.Duration) context.Context {
	return c.bounded(ctx, 2, limit+time.Second/2)
}

// poll sends GETSTATUS until the device leaves dfuDNBUSY (sleeping the
// poll timeout it asks for in between) or limit passes in the device's
// clock. Anything but dfuDNLOAD-IDLE/OK is a *StatusError.
// Its first GETSTATUS is queued's, when that is not nil (downloadPolled).
func (c *Conn) poll(ctx context.Context, opName fmt.Stringer, limit time.Duration, queued func() (int, error)) (Status, error) {
	start := c.opts.Clock.Now()
	busy := 0
	for {
		st, err := c.getStatus(c.pollBound(ctx, limit), queued)
		queued = nil
		op := ""
		if err != nil || st.State != StateDnloadIdle || st.Status != OK {
			op = opName.String()
		}
		if errors.Is(err, usb.ErrTimeout) && ctx.Err() == nil && c.opts.Clock.Now().Sub(start) < limit {
			// A backend's own transfer timeout while the ROM holds the
			// status stage of a long erase: ask again until the deadline.
			continue
		}
		if err != nil {
			return st, fmt.Errorf("dfu: %s: %w", op, err)
		}
		switch st.State {
		case StateDnloadIdle:
			if st.Status == OK {
				return st, nil
			}
		case StateDnbusy, StateDnloadSync:
			if st.State == StateDnbusy {
				busy++
			}
			if busy > 2 && c.erasing && c.opts.ClearStuckBusy {
				return c.clearStuck(ctx, op)
			}
			elapsed := c.opts.Clock.Now().Sub(start)
			if elapsed >= limit {
				return st, &StatusError{Op: op, State: st.State, Status: st.Status, Err: fmt.Errorf("%w after %v", ErrStillBusy, elapsed)}
			}
			if err := c.opts.Clock.Sleep(ctx, max(min(st.PollTimeout, limit-elapsed), time.Millisecond)); err != nil {
				return st, fmt.Errorf("dfu: %s: %w", op, err)
			}
			continue
		}
		return st, &StatusError{Op: op, State: st.State, Status: st.Status}
	}
}

// SetClearStuckBusy turns Options.ClearStuckBusy on or off for this
// connection, for a host that learns which device it has after opening it.
func (c *Conn) SetClearStuckBusy(on bool) { c.opts.ClearStuckBusy = on }

// clearStuck ends an erase whose device stays in dfuDNBUSY
// (Options.ClearStuckBusy): CLRSTATUS twice, then the device must be in
// dfuIDLE.
func (c *Conn) clearStuck(ctx context.Context, op string) (Status, error) {
	for range 2 {
		if err := c.ClearStatus(ctx); err != nil {
			return Status{}, fmt.Errorf("dfu: %s: clearing a device stuck in dfuDNBUSY: %w", op, err)
		}
	}
	st, err := c.GetStatus(ctx)
	if err != nil {
		return st, fmt.Errorf("dfu: %s: %w", op, err)
	}
	if st.State != StateIdle || st.Status != OK {
		return st, &StatusError{Op: op + " (after clearing dfuDNBUSY)", State: st.State, Status: st.Status}
	}
	return st, nil
}
