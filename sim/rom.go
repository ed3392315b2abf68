package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// USBTiming models full-speed USB on endpoint 0 (docs/PROTOCOL.md section 4;
// UNVERIFIED, a parameter): each control transfer costs one frame plus its
// data at PerByte.
type USBTiming struct {
	Frame   time.Duration
	PerByte time.Duration
}

// DefaultUSBTiming is one 1 ms frame per transfer and about 1 MB/s of data.
var DefaultUSBTiming = USBTiming{Frame: time.Millisecond, PerByte: time.Microsecond}

// Cost returns the bus time of a control transfer moving n data bytes.
func (t USBTiming) Cost(n int) time.Duration { return t.Frame + time.Duration(n)*t.PerByte }

// romFunctionalDescriptor: bmAttributes 0x0B (canDnload, canUpload,
// willDetach), wDetachTimeOut 255, wTransferSize 2048, bcdDFUVersion 0x011A.
var romFunctionalDescriptor = []byte{9, usb.DescDFUFunctional, 0x0B, 255, 0, 0x00, 0x08, 0x1A, 0x01}

// romCommands is the answer to Get Commands (UPLOAD block 0).
var romCommands = []byte{dfuseCmdGetCommands, dfuseCmdSetAddress, dfuseCmdErase, dfuseCmdUnprotect}

// romDescriptors builds the ROM's descriptor set for a board.
// Its USB identity comes from the chip database (ST's: docs/PROTOCOL.md
// section 3).
func romDescriptors(b *Board) *usb.Descriptors {
	f := b.part.Chip.Family
	id := f.USB[0]
	manufacturer, product := f.ROMStrings()
	d := &usb.Descriptors{
		Device: usb.DeviceDescriptor{
			USB: 0x0200, MaxPacketSize0: 64, Vendor: id.Vendor, Product: id.Product, Device: b.rom.BCDDevice,
			ManufacturerIndex: 1, ProductIndex: 2, SerialIndex: 3, NumConfigurations: 1,
		},
		Strings: map[uint8]string{1: manufacturer, 2: product, 3: b.ROMSerial()},
	}
	if f.Quirks.UTF8Serial {
		// The GD32 ROM sends its serial's UTF-8 bytes (dfu-util quirks.c
		// QUIRK_UTF8_SERIAL): a host decoding UTF-16LE sees this.
		d.Strings[3] = usb.UTF16FromUTF8(b.ROMSerial())
	}
	cfg := usb.ConfigDescriptor{Value: 1, Attributes: 0xC0, MaxPower: 50}
	for alt, name := range b.part.AltNames {
		idx := uint8(4 + alt)
		d.Strings[idx] = name
		cfg.Interfaces = append(cfg.Interfaces, usb.InterfaceDescriptor{
			Number: 0, Alternate: uint8(alt), Class: 0xFE, SubClass: 0x01, Protocol: 0x02, StringIndex: idx,
		})
	}
	last := &cfg.Interfaces[len(cfg.Interfaces)-1]
	last.Extra = [][]byte{romFunctionalDescriptor}
	d.Configs = []usb.ConfigDescriptor{cfg}
	return d
}

// rom is one enumeration of the ROM DfuSe bootloader: a usb.Gadget.
//
// Behaviour that public sources do not settle, chosen here and marked
// UNVERIFIED: wBlockNum 1 stalls and sets errSTALLEDPKT; a data block to a
// write-protected sector gives errWRITE; UPLOAD/DNLOAD of main flash under
// read protection gives errVENDOR; a mass erase with a write-protected sector
// reports OK and erases nothing (like a sector erase); an unknown DfuSe
// command gives errUNKNOWN; SET_INTERFACE moves the address pointer to the
// base of the new alternate setting.
type rom struct {
	b    *Board
	desc *usb.Descriptors

	mu       sync.Mutex // serialises requests, as the ROM's single USB stack does
	gone     chan struct{}
	goneOnce sync.Once

	alt    uint8
	state  uint8
	status uint8
	ptr    uint32
	config atomic.Uint32 // bConfigurationValue set by the host; 0 = Address state

	// A download waiting for the GETSTATUS that executes it.
	pending     bool
	pendingBlk  uint16
	pendingData []byte

	// A running flash operation: the device holds the bus until busyUntil
	// (simulated time) and then takes busyState/busyStatus.
	busyUntil  time.Duration
	busyStatus uint8
	// stall: GETSTATUS stalls until busyUntil instead of waiting
	// (StallsWhilePolled); stuck: an erase that stays in dfuDNBUSY until
	// CLRSTATUS (StaysBusy); reported is that operation's poll timeout.
	stall, stuck2 bool
	reported      time.Duration
	after         func() // runs when the operation completes (reset after option bytes)
	// afterAnswer runs once the current answer has gone out (a leave on a
	// board configured to answer the manifest GETSTATUS before it goes).
	afterAnswer func()

	// Fault injection (faultrom.go): the ROM no longer makes progress; the
	// point and number of the pending erase or program; a data block was
	// written in this enumeration.
	stuck bool
	opAt  FaultPoint
	opN   int
	wrote bool
}

func newROM(b *Board) *rom {
	r := &rom{b: b, desc: romDescriptors(b), gone: make(chan struct{}), state: stateIdle, ptr: FlashBase}
	if b.rom.StartsInError {
		r.state, r.status = stateError, errFirmware
	}
	return r
}

// configuration does not wait for r.mu: a busy ROM holds it.
func (r *rom) configuration() uint8 { return uint8(r.config.Load()) }

// Descriptors implements usb.Gadget.
func (r *rom) Descriptors() *usb.Descriptors { return r.desc }

// Gone implements usb.Gadget.
func (r *rom) Gone() <-chan struct{} { return r.gone }

func (r *rom) detach() { r.goneOnce.Do(func() { close(r.gone) }) }

func (r *rom) isGone() bool {
	select {
	case <-r.gone:
		return true
	default:
		return false
	}
}

// Transfer implements usb.Gadget: the ROM has no endpoints but 0.
func (r *rom) Transfer(ctx context.Context, ep uint8, out []byte, max int) ([]byte, error) {
	if r.isGone() {
		return nil, usb.ErrGone
	}
	return nil, usb.ErrStall
}

// Control implements usb.Gadget.
func (r *rom) Control(ctx context.Context, s usb.Setup, out []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.isGone() {
		return nil, usb.ErrGone
	}
	clock := r.b.clock
	// A busy flash holds the bus: nothing is answered before it is done,
	// except on a ROM that stalls GETSTATUS while busy (STM32L4). The wait
	// is slept together with the answer's transfer time below.
	if now := clock.Elapsed(); now < r.busyUntil && r.stall && s.Request == reqGetStatus && s.Type() == usb.TypeClass {
		r.b.record(s, out, nil, usb.ErrStall)
		if err := clock.Sleep(ctx, r.b.usb.Cost(0)); err != nil {
			return nil, err
		}
		return nil, usb.ErrStall
	}
	if now := clock.Elapsed(); now < r.busyUntil {
		clock.skip(r.busyUntil - now)
	}
	if r.after != nil && clock.Elapsed() >= r.busyUntil {
		if err := clock.Sleep(ctx, 0); err != nil {
			return nil, err
		}
		after := r.after
		r.after = nil
		after()
		return nil, usb.ErrGone
	}
	fault := r.inject(ctx, s, out)
	if fault.done {
		r.b.record(s, out, fault.in, fault.err)
		if len(fault.in) > int(s.Length) {
			fault.in = fault.in[:s.Length]
		}
		return fault.in, fault.err
	}
	in, err := r.handle(s, out)
	if r.isGone() {
		// The device dropped off the bus before the answer completed.
		return nil, usb.ErrGone
	}
	if cerr := clock.Sleep(ctx, r.b.usb.Cost(len(out)+len(in))); cerr != nil && err == nil {
		err = cerr
	}
	if fault.late > 0 {
		timeout := r.b.opts.TransferTimeout
		if cerr := clock.Sleep(ctx, min(fault.late, timeout)); cerr != nil && err == nil {
			err = cerr
		}
		if fault.late >= timeout && err == nil {
			err = usb.ErrTimeout // the host gave up before the answer came
		}
	}
	r.b.record(s, out, in, err)
	if f := r.afterAnswer; f != nil {
		r.afterAnswer = nil
		f()
	}
	if err != nil {
		return nil, err
	}
	if len(in) > int(s.Length) {
		in = in[:s.Length]
	}
	return in, nil
}

func (r *rom) handle(s usb.Setup, out []byte) ([]byte, error) {
	switch s.Type() {
	case usb.TypeStandard:
		return r.standard(s)
	case usb.TypeClass:
		if s.Recipient() != usb.RecipientInterface || s.Index != 0 {
			return nil, usb.ErrStall
		}
		return r.class(s, out)
	}
	return nil, usb.ErrStall
}

func (r *rom) standard(s usb.Setup) ([]byte, error) {
	switch s.Request {
	case usb.ReqGetDescriptor:
		if b, ok := r.desc.Answer(s); ok {
			return b, nil
		}
	case usb.ReqSetAddress:
		return nil, nil
	case usb.ReqSetConfiguration:
		if s.Value <= 1 {
			// A new configuration selects alternate setting 0 (USB 2.0
			// section 9.1.1.5); the same one again changes nothing.
			if uint32(s.Value) != r.config.Load() {
				r.config.Store(uint32(s.Value))
				r.alt, r.ptr = 0, FlashBase
			}
			return nil, nil
		}
	case usb.ReqGetConfiguration:
		return []byte{r.configuration()}, nil
	case usb.ReqGetStatus:
		return []byte{0, 0}, nil
	case usb.ReqSetInterface:
		// Only a configured device has interfaces (USB 2.0 section
		// 9.4.10: a request error in the Address state; ST's DFU class
		// serves SET_INTERFACE and GET_INTERFACE only when configured).
		if r.configuration() != 0 && s.Index == 0 && int(s.Value) < len(r.b.part.AltNames) {
			r.alt = uint8(s.Value)
			r.ptr = r.altBase()
			return nil, nil
		}
	case usb.ReqGetInterface:
		if r.configuration() != 0 && s.Index == 0 {
			return []byte{r.alt}, nil
		}
	}
	return nil, usb.ErrStall
}

// fail stalls the request and enters dfuERROR with status st.
func (r *rom) fail(st uint8) ([]byte, error) {
	r.state, r.status = stateError, st
	r.pending = false
	return nil, usb.ErrStall
}

func (r *rom) class(s usb.Setup, out []byte) ([]byte, error) {
	switch s.Request {
	case reqGetStatus:
		return r.getStatus()
	case reqGetState:
		return []byte{r.state}, nil
	case reqClrStatus:
		if r.state == stateError {
			r.state, r.status = stateIdle, statusOK
			return nil, nil
		}
		// ST's DFU code answers CLRSTATUS outside dfuERROR by entering
		// dfuERROR/errUNKNOWN (docs/PROTOCOL.md section 2); that also ends
		// an erase stuck in dfuDNBUSY (StaysBusy).
		r.state, r.status, r.stuck2 = stateError, errUnknown, false
		return nil, nil
	case reqAbort:
		switch r.state {
		case stateIdle, stateDnloadSync, stateDnloadIdle, stateManifestSync, stateUploadIdle:
			r.state, r.status, r.pending = stateIdle, statusOK, false
			return nil, nil
		}
		return r.fail(errStalledPkt)
	case reqDnload:
		return r.dnload(s, out)
	case reqUpload:
		return r.upload(s)
	}
	// DETACH and unknown requests are not valid in DFU mode.
	return r.fail(errStalledPkt)
}

func (r *rom) dnload(s usb.Setup, out []byte) ([]byte, error) {
	if r.state != stateIdle && r.state != stateDnloadIdle {
		return r.fail(errStalledPkt)
	}
	if len(out) == 0 {
		// Zero-length DNLOAD: end of download, leave on the next GETSTATUS
		// (or at once, on a ROM that leaves without one: GD32).
		r.state = stateManifestSync
		if r.b.rom.LeavesWithoutStatus {
			ptr := r.ptr
			r.afterAnswer = func() { r.b.leave(ptr) }
		}
		return nil, nil
	}
	if len(out) > transferSize || s.Value == 1 {
		return r.fail(errStalledPkt)
	}
	r.pending, r.pendingBlk, r.pendingData = true, s.Value, append(r.pendingData[:0], out...)
	r.state = stateDnloadSync
	return nil, nil
}

func (r *rom) upload(s usb.Setup) ([]byte, error) {
	if r.state != stateIdle && r.state != stateUploadIdle {
		return r.fail(errStalledPkt)
	}
	if s.Value == 0 {
		r.state = stateUploadIdle
		return romCommands, nil
	}
	if s.Value == 1 || s.Length > transferSize {
		return r.fail(errStalledPkt)
	}
	addr := r.ptr + uint32(s.Value-2)*transferSize
	data, st := r.b.readAlt(r.alt, addr, int(s.Length))
	if st != statusOK {
		return r.fail(st)
	}
	r.state = stateUploadIdle
	return data, nil
}

// status6 encodes a GETSTATUS answer.
func status6(status uint8, poll time.Duration, state uint8) []byte {
	ms := uint32((poll + time.Millisecond - 1) / time.Millisecond)
	if ms > 0xFFFFFF {
		ms = 0xFFFFFF
	}
	return []byte{status, byte(ms), byte(ms >> 8), byte(ms >> 16), state, 0}
}

func (r *rom) getStatus() ([]byte, error) {
	switch r.state {
	case stateDnloadSync:
		if !r.pending {
			r.state = stateDnloadIdle
			return status6(statusOK, 0, r.state), nil
		}
		// The command runs now: answer dfuDNBUSY with the poll timeout the
		// ROM reports, hold the bus for as long as the flash really takes.
		r.pending = false
		op := r.b.execute(r, r.pendingBlk, r.pendingData)
		erase := r.pendingBlk == 0 && len(r.pendingData) == 5 && r.pendingData[0] == dfuseCmdErase
		if erase && r.b.rom.StallsWhilePolled {
			// Too short a poll timeout, then stalls until done (STM32L4).
			op.reported = op.duration / 2
		}
		r.stall = erase && r.b.rom.StallsWhilePolled
		r.stuck2 = erase && r.b.rom.StaysBusy && op.status == statusOK
		r.reported = op.reported
		r.busyUntil = r.b.clock.Elapsed() + r.b.usb.Cost(6) + op.duration
		r.busyStatus = op.status
		r.after = op.after
		r.state = stateDnbusy
		return status6(statusOK, op.reported, stateDnbusy), nil
	case stateDnbusy:
		if r.stuck2 {
			// The erase is done but the ROM still says busy (STM32H743
			// rev V): only CLRSTATUS gets it out.
			return status6(statusOK, r.reported, stateDnbusy), nil
		}
		if r.busyStatus != statusOK {
			r.state, r.status = stateError, r.busyStatus
			return status6(r.status, 0, r.state), nil
		}
		r.state = stateDnloadIdle
		return status6(statusOK, 0, r.state), nil
	case stateManifestSync:
		// dfuMANIFEST: the ROM jumps to the application (or resets). The
		// device usually drops off the bus before this answer completes.
		r.state = stateManifest
		ptr := r.ptr
		if r.b.opts.LeaveAnswersStatus {
			r.afterAnswer = func() { r.b.leave(ptr) }
		} else {
			r.b.leave(ptr)
		}
		return status6(statusOK, 0, stateManifest), nil
	}
	return status6(r.status, 0, r.state), nil
}

// altBase returns the first address of the current alternate setting.
func (r *rom) altBase() uint32 {
	switch r.alt {
	case 1:
		return r.b.part.OptionBlocks[0]
	case 2:
		return OTPBase
	case 3:
		return FeatureBase
	}
	return FlashBase
}

// operation is what a DfuSe command or data block does to the board.
type operation struct {
	duration time.Duration // how long the flash is busy
	reported time.Duration // the bwPollTimeout the ROM reports
	status   uint8         // outcome: statusOK or an error status
	after    func()        // runs when done (for example a chip reset)
}

func (r *rom) String() string {
	return fmt.Sprintf("ROM state %d status %d alt %d pointer 0x%08x", r.state, r.status, r.alt, r.ptr)
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
