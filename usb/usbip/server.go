package usbip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// DefaultAddr is where a server listens unless told otherwise: loopback
// only, on the registered USB/IP port.
const DefaultAddr = "127.0.0.1:3240"

// ServerOptions tunes a Server. The zero value is usable.
type ServerOptions struct {
	// Logger receives one line per connection event and per dropped
	// connection. Nil discards.
	Logger *slog.Logger
	// MaxPending bounds the URBs a client may have outstanding at once;
	// a client exceeding it is disconnected. 0 means 128.
	MaxPending int
	// MaxPendingBytes bounds the sum of transfer_buffer_length over the
	// outstanding URBs of one connection; 0 means 8 MiB.
	MaxPendingBytes int
	// IOTimeout bounds each write to a client, and the wait for the first
	// request of a connection. 0 means 30 s.
	IOTimeout time.Duration
}

// Server exports the Gadgets of a usb.Bus over USB/IP. Each port of the bus
// is a bus ID ("1-1"); a connection that imports it is bound to the Gadget
// present at that time and is closed when that Gadget is gone. A device is
// imported by at most one connection at a time.
type Server struct {
	bus  usb.Bus
	opts ServerOptions
	log  *slog.Logger

	mu      sync.Mutex
	devnums map[usb.Gadget]uint32 // address of each Gadget seen
	nextDev uint32
	busy    map[usb.Gadget]bool // imported now
}

// NewServer returns a server for bus. Call Serve to accept clients.
func NewServer(bus usb.Bus, opts ServerOptions) *Server {
	if opts.MaxPending <= 0 {
		opts.MaxPending = 128
	}
	if opts.MaxPendingBytes <= 0 {
		opts.MaxPendingBytes = 8 << 20
	}
	if opts.IOTimeout <= 0 {
		opts.IOTimeout = 30 * time.Second
	}
	l := opts.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &Server{bus: bus, opts: opts, log: l, devnums: map[usb.Gadget]uint32{}, nextDev: 1, busy: map[usb.Gadget]bool{}}
}

// Listen opens a TCP listener on addr, or on DefaultAddr if addr is empty.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", addr)
}

// Serve accepts clients on l until ctx ends, then closes l and every
// connection and returns ctx.Err() once all of them have finished. It
// returns the listener's error if accepting fails for another reason.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		<-ctx.Done()
		l.Close()
	})
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("usbip: accepting clients: %w", err)
		}
		wg.Go(func() { s.serveConn(ctx, c) })
	}
}

// devices lists the exported devices now, assigning device numbers to new
// Gadgets and forgetting those that left.
func (s *Server) devices() ([]Device, []usb.Gadget) {
	var devs []Device
	var gs []usb.Gadget
	s.mu.Lock()
	defer s.mu.Unlock()
	present := map[usb.Gadget]bool{}
	for _, port := range s.bus.Ports() {
		g := s.bus.Attached(port)
		if g == nil {
			continue
		}
		select {
		case <-g.Gone():
			continue
		default:
		}
		present[g] = true
		devs = append(devs, s.record(port, g))
		gs = append(gs, g)
	}
	for g := range s.devnums {
		if !present[g] && !s.busy[g] {
			delete(s.devnums, g)
		}
	}
	return devs, gs
}

// record describes g on port; s.mu is held.
func (s *Server) record(port string, g usb.Gadget) Device {
	n, ok := s.devnums[g]
	if !ok {
		s.nextDev = s.nextDev%127 + 1
		n = s.nextDev
		s.devnums[g] = n
	}
	return DeviceRecord(port, n, g.Descriptors())
}

// DeviceRecord builds the exported-device record of a full-speed device with
// descriptors d on port (bus 1) at address devnum.
func DeviceRecord(port string, devnum uint32, d *usb.Descriptors) Device {
	dev := Device{
		Path:   "/sys/devices/platform/softdfu/usb1/" + port,
		BusID:  port,
		BusNum: 1, DevNum: devnum, Speed: 2,
		Vendor: d.Device.Vendor, Product: d.Device.Product, BCDDevice: d.Device.Device,
		Class: d.Device.Class, SubClass: d.Device.SubClass, Protocol: d.Device.Protocol,
		NumConfigurations: d.Device.NumConfigurations,
	}
	if len(d.Configs) > 0 {
		c := d.Configs[0]
		dev.ConfigurationValue = c.Value
		seen := map[uint8]bool{}
		for _, i := range c.Interfaces {
			if seen[i.Number] {
				continue
			}
			seen[i.Number] = true
			dev.Interfaces = append(dev.Interfaces, Interface{i.Class, i.SubClass, i.Protocol})
		}
		dev.NumInterfaces = uint8(len(dev.Interfaces))
	}
	return dev
}

func (s *Server) serveConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() }) // server shutdown
	defer stop()
	log := s.log.With("client", c.RemoteAddr().String())
	c.SetDeadline(time.Now().Add(s.opts.IOTimeout))
	h, err := ReadOpHeader(c)
	if err != nil {
		log.Warn("usbip: dropping client", "err", err)
		return
	}
	switch h.Code {
	case OpReqDevlist:
		devs, _ := s.devices()
		if _, err := c.Write(DevlistReply{Devices: devs}.Marshal()); err != nil {
			log.Warn("usbip: writing device list", "err", err)
		}
	case OpReqImport:
		req, err := ReadImportBody(c)
		if err != nil {
			log.Warn("usbip: dropping client", "err", err)
			return
		}
		g, dev, status := s.claim(req.BusID)
		if status != StatusOK {
			log.Info("usbip: import refused", "busid", req.BusID, "status", status)
			c.Write(ImportReply{Status: status}.Marshal())
			return
		}
		defer s.release(g)
		if _, err := c.Write(ImportReply{Device: dev}.Marshal()); err != nil {
			log.Warn("usbip: writing import reply", "err", err)
			return
		}
		c.SetDeadline(time.Time{})
		log = log.With("busid", req.BusID)
		log.Info("usbip: device imported")
		err = s.runURBs(ctx, c, g, log)
		log.Info("usbip: connection closed", "reason", err)
	default:
		log.Warn("usbip: dropping client", "err", malformed("operation code %#04x at byte 2, want OP_REQ_DEVLIST or OP_REQ_IMPORT", h.Code))
	}
}

func (s *Server) claim(busid string) (usb.Gadget, Device, uint32) {
	found := false
	for _, p := range s.bus.Ports() {
		found = found || p == busid
	}
	if !found {
		return nil, Device{}, StatusNoDev
	}
	g := s.bus.Attached(busid)
	if g == nil {
		return nil, Device{}, StatusNoDev
	}
	select {
	case <-g.Gone():
		return nil, Device{}, StatusNoDev
	default:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[g] {
		return nil, Device{}, StatusDevBusy
	}
	s.busy[g] = true
	return g, s.record(busid, g), StatusOK
}

func (s *Server) release(g usb.Gadget) {
	s.mu.Lock()
	delete(s.busy, g)
	s.mu.Unlock()
}

// urb is one submitted URB waiting for or in its gadget call.
type urb struct {
	cmd    *CmdSubmit
	q      *epQueue
	ctx    context.Context
	cancel context.CancelFunc
}

// session is the URB traffic of one imported device.
type session struct {
	s   *Server
	c   net.Conn
	g   usb.Gadget
	log *slog.Logger
	ctx context.Context

	mu      sync.Mutex // guards everything below and every write to c
	pending map[uint32]*urb
	bytes   int
	queues  map[uint32]*epQueue // one worker per endpoint and direction
	werr    error
}

// runURBs serves the URBs of an imported device until the client leaves,
// the gadget is gone or the server stops. When it returns no goroutine of
// the session runs; the caller releases the device and then closes c, so a
// client that sees the connection close can import the device again.
func (s *Server) runURBs(srvCtx context.Context, c net.Conn, g usb.Gadget, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(srvCtx)
	ss := &session{s: s, c: c, g: g, log: log, ctx: ctx, pending: map[uint32]*urb{}, queues: map[uint32]*epQueue{}}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		select {
		case <-ctx.Done():
			if srvCtx.Err() == nil {
				return // the session ended by itself
			}
		case <-g.Gone():
		}
		c.Close() // unblocks the reader
	})
	for {
		pdu, err := ReadCommand(c)
		if err != nil {
			select {
			case <-g.Gone():
				return usb.ErrGone
			default:
			}
			if errors.Is(err, ErrMalformed) {
				log.Error("usbip: dropping client", "err", err)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		switch p := pdu.(type) {
		case *CmdSubmit:
			if err := ss.submit(p, &wg); err != nil {
				log.Error("usbip: dropping client", "err", err)
				return err
			}
		case *CmdUnlink:
			if err := ss.unlink(p); err != nil {
				return err
			}
		}
	}
}

func (ss *session) submit(p *CmdSubmit, wg *sync.WaitGroup) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if _, dup := ss.pending[p.Seqnum]; dup {
		return fmt.Errorf("%w: URB %d submitted twice", ErrMalformed, p.Seqnum)
	}
	if len(ss.pending) >= ss.s.opts.MaxPending {
		return fmt.Errorf("usbip: client has more than %d URBs outstanding (URB %d)", ss.s.opts.MaxPending, p.Seqnum)
	}
	if ss.bytes+int(p.TransferBufferLength) > ss.s.opts.MaxPendingBytes {
		return fmt.Errorf("usbip: client's outstanding URBs exceed %d bytes (URB %d)", ss.s.opts.MaxPendingBytes, p.Seqnum)
	}
	key := p.Ep
	if p.Ep != 0 {
		key |= p.Direction << 7
	}
	q, ok := ss.queues[key]
	if !ok {
		q = &epQueue{wake: make(chan struct{}, 1)}
		ss.queues[key] = q
		wg.Go(func() { ss.worker(q) })
	}
	ctx, cancel := context.WithCancel(ss.ctx)
	u := &urb{cmd: p, q: q, ctx: ctx, cancel: cancel}
	ss.pending[p.Seqnum] = u
	ss.bytes += int(p.TransferBufferLength)
	q.urbs = append(q.urbs, u)
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// epQueue holds the URBs of one endpoint that wait for their turn. Its
// slice is guarded by session.mu; it never holds more than the pending URBs.
type epQueue struct {
	urbs []*urb
	wake chan struct{}
}

// worker runs the URBs of one endpoint in order until the session ends.
func (ss *session) worker(q *epQueue) {
	for {
		ss.mu.Lock()
		var u *urb
		if len(q.urbs) > 0 {
			u = q.urbs[0]
			q.urbs = q.urbs[1:]
		}
		ss.mu.Unlock()
		if u != nil {
			ss.complete(u, ss.run(u))
			continue
		}
		select {
		case <-ss.ctx.Done():
			return
		case <-q.wake:
		}
	}
}

// run performs u on the gadget and returns its completion.
func (ss *session) run(u *urb) RetSubmit {
	p := u.cmd
	ret := RetSubmit{Basic: Basic{Seqnum: p.Seqnum}, NumberOfPackets: NoISO}
	if p.NumberOfPackets == 0 {
		ret.NumberOfPackets = 0
	}
	var in []byte
	var err error
	if p.Ep == 0 {
		var setup usb.Setup
		setup, err = usb.ParseSetup(p.Setup[:])
		if err == nil {
			in, err = ss.g.Control(u.ctx, setup, p.Data)
		}
	} else if p.Direction == DirIn {
		in, err = ss.g.Transfer(u.ctx, uint8(p.Ep)|0x80, nil, int(p.TransferBufferLength))
	} else {
		_, err = ss.g.Transfer(u.ctx, uint8(p.Ep), p.Data, 0)
	}
	switch {
	case err == nil:
	case errors.Is(err, usb.ErrStall):
		ret.Status = EPIPE
	case errors.Is(err, usb.ErrGone):
		ret.Status = ENODEV
	case errors.Is(err, usb.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		ret.Status = ETIMEDOUT
	case errors.Is(err, context.Canceled):
		ret.Status = ECONNRESET
	default:
		ss.log.Warn("usbip: gadget error", "seqnum", p.Seqnum, "ep", p.Ep, "err", err)
		ret.Status = EPROTO
	}
	if ret.Status != 0 {
		return ret
	}
	if p.Direction == DirIn {
		if len(in) > int(p.TransferBufferLength) {
			in = in[:p.TransferBufferLength]
		}
		ret.Data = in
		ret.ActualLength = int32(len(in))
	} else {
		ret.ActualLength = int32(len(p.Data))
	}
	return ret
}

// complete sends u's RET_SUBMIT unless u was unlinked meanwhile.
func (ss *session) complete(u *urb, ret RetSubmit) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.pending[u.cmd.Seqnum] != u || ss.ctx.Err() != nil {
		return // unlinked, or the session is over
	}
	ss.forget(u)
	ss.write(ret.Marshal())
}

// forget drops u from the pending set; ss.mu is held.
func (ss *session) forget(u *urb) {
	delete(ss.pending, u.cmd.Seqnum)
	ss.bytes -= int(u.cmd.TransferBufferLength)
	u.cancel()
	if i := slices.Index(u.q.urbs, u); i >= 0 { // unlinked before it ran
		u.q.urbs = slices.Delete(u.q.urbs, i, i+1)
	}
}

func (ss *session) unlink(p *CmdUnlink) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ret := RetUnlink{Basic: Basic{Seqnum: p.Seqnum}}
	if u, ok := ss.pending[p.UnlinkSeqnum]; ok {
		ss.forget(u)
		ret.Status = ECONNRESET
	}
	return ss.write(ret.Marshal())
}

// write sends b; ss.mu is held. A failed write closes the connection.
func (ss *session) write(b []byte) error {
	if ss.werr != nil {
		return ss.werr
	}
	ss.c.SetWriteDeadline(time.Now().Add(ss.s.opts.IOTimeout))
	if _, err := ss.c.Write(b); err != nil {
		ss.werr = err
		ss.c.Close()
		return err
	}
	return nil
}
