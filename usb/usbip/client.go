package usbip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// Host is a USB/IP server seen as a usb.Host, with no kernel module: every
// opened device is a TCP connection that carries URBs.
type Host struct {
	addr   string
	dialer net.Dialer
}

// NewHost returns the USB/IP server at addr ("host:port"; the port defaults
// to 3240) as a usb.Host.
func NewHost(addr string) *Host {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "3240")
	}
	return &Host{addr: addr}
}

var _ usb.Host = (*Host)(nil)

// Name is the DeviceInfo.Host of the host's devices: "usbip:HOST:PORT".
func (h *Host) Name() string { return "usbip:" + h.addr }

func (h *Host) dial(ctx context.Context) (net.Conn, error) {
	c, err := h.dialer.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, fmt.Errorf("usbip: connecting to %s: %w", h.addr, err)
	}
	if d, ok := ctx.Deadline(); ok {
		c.SetDeadline(d)
	}
	return c, nil
}

// List returns the server's device list (OP_REQ_DEVLIST) as it is, without
// descriptors beyond what the list carries.
func (h *Host) List(ctx context.Context) ([]Device, error) {
	c, err := h.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Write(DevlistRequest()); err != nil {
		return nil, fmt.Errorf("usbip: asking %s for its devices: %w", h.addr, err)
	}
	rep, err := ReadDevlistReply(c)
	if err != nil {
		return nil, fmt.Errorf("usbip: device list from %s: %w", h.addr, err)
	}
	if rep.Status != StatusOK {
		return nil, fmt.Errorf("usbip: %s refused the device list (status %d)", h.addr, rep.Status)
	}
	return rep.Devices, nil
}

// Devices lists the server's devices. The USB/IP device list carries no
// strings and no configuration descriptors, so Devices imports each device
// briefly and reads its descriptors and its manufacturer, product and
// serial strings. A device that another client holds is listed with what
// the device list says (IDs and interface classes, so a DFU device still
// shows as one) and DeviceInfo.Problem saying it is busy.
func (h *Host) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	devs, err := h.List(ctx)
	if err != nil {
		return nil, err
	}
	var infos []usb.DeviceInfo
	for _, d := range devs {
		info := h.info(d)
		dev, err := h.importDevice(ctx, d.BusID)
		switch {
		case err == nil:
			if err := readDescriptors(ctx, dev, &info.Descriptors); err == nil {
				info.Address = int(dev.rec.DevNum)
			}
			dev.Close()
		case ctx.Err() != nil:
			return nil, err
		case errors.Is(err, usb.ErrBusy):
			info.Problem = BusyProblem
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// BusyProblem is the DeviceInfo.Problem of a device another client holds.
const BusyProblem = "busy: in use by another program (another USB/IP client has imported it); its serial number shows once it is released"

func (h *Host) info(d Device) usb.DeviceInfo {
	info := usb.DeviceInfo{Host: h.Name(), Path: d.BusID, Bus: int(d.BusNum), Address: int(d.DevNum)}
	info.Descriptors.Device = usb.DeviceDescriptor{
		USB: 0x0200, Class: d.Class, SubClass: d.SubClass, Protocol: d.Protocol,
		Vendor: d.Vendor, Product: d.Product, Device: d.BCDDevice, NumConfigurations: d.NumConfigurations,
	}
	// The device list names each interface's class: enough to tell a DFU
	// device from an application while the device cannot be read.
	if len(d.Interfaces) > 0 {
		cfg := usb.ConfigDescriptor{Value: d.ConfigurationValue}
		for i, x := range d.Interfaces {
			cfg.Interfaces = append(cfg.Interfaces, usb.InterfaceDescriptor{Number: uint8(i), Class: x.Class, SubClass: x.SubClass, Protocol: x.Protocol})
		}
		info.Descriptors.Configs = []usb.ConfigDescriptor{cfg}
	}
	return info
}

// readDescriptors fills ds from an opened device.
func readDescriptors(ctx context.Context, dev *Conn, ds *usb.Descriptors) error {
	buf := make([]byte, 4096)
	n, err := dev.Control(ctx, usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescDevice << 8, Length: 18}, buf[:18])
	if err != nil {
		return err
	}
	dd, err := usb.ParseDeviceDescriptor(buf[:n])
	if err != nil {
		return err
	}
	ds.Device = dd
	ds.Configs = nil
	for i := 0; i < int(dd.NumConfigurations); i++ {
		n, err := dev.Control(ctx, usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescConfiguration<<8 | uint16(i), Length: uint16(len(buf))}, buf)
		if err != nil {
			return err
		}
		c, err := usb.ParseConfigDescriptor(buf[:n])
		if err != nil {
			return err
		}
		ds.Configs = append(ds.Configs, c)
	}
	ds.Strings = map[uint8]string{}
	for _, i := range []uint8{dd.ManufacturerIndex, dd.ProductIndex, dd.SerialIndex} {
		if i == 0 {
			continue
		}
		if s, err := usb.ReadString(ctx, dev, i); err == nil {
			ds.Strings[i] = s
		}
	}
	return nil
}

// Open imports the device at info.Path and sets its first configuration,
// as the kernel does for a device it enumerates. It fails with usb.ErrGone if the
// device there is no longer the one listed (it re-enumerated and has a new
// address) or nothing is there.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	dev, err := h.importDevice(ctx, info.Path)
	if err != nil {
		return nil, err
	}
	if info.Address != 0 && int(dev.rec.DevNum) != info.Address {
		dev.Close()
		return nil, fmt.Errorf("usbip: %s on %s now has address %d, not %d: %w", info.Path, h.addr, dev.rec.DevNum, info.Address, usb.ErrGone)
	}
	dev.info = info
	dev.info.Host = h.Name()
	dev.info.Problem = ""
	if len(info.Descriptors.Configs) == 0 || info.Problem != "" {
		// Listed while busy: only the device list's classes are known.
		if err := readDescriptors(ctx, dev, &dev.info.Descriptors); err != nil {
			dev.Close()
			return nil, fmt.Errorf("usbip: reading the descriptors of %s on %s: %w", info.Path, h.addr, err)
		}
	}
	if err := dev.configure(ctx); err != nil {
		return nil, err
	}
	return dev, nil
}

// configure sets the device's first configuration, as the Linux kernel
// does when it enumerates a device (usbfs users find it configured): the
// server side of USB/IP hands over an unconfigured device. A device that
// refuses stays unconfigured, as Linux leaves it, and the refusal explains
// later request errors; only a device gone (or ctx ending) fails.
func (d *Conn) configure(ctx context.Context) error {
	cfgs := d.info.Descriptors.Configs
	if len(cfgs) == 0 || cfgs[0].Value == 0 {
		return nil
	}
	err := usb.SetConfiguration(ctx, d, cfgs[0].Value)
	if errors.Is(err, usb.ErrGone) || ctx.Err() != nil {
		d.Close()
		return fmt.Errorf("usbip: configuring %s: %w", d.rec.BusID, err)
	}
	d.configErr = err
	return nil
}

// Dial imports the device with bus ID busid from the USB/IP server at addr
// and sets its first configuration (see Open).
func Dial(ctx context.Context, addr, busid string) (*Conn, error) {
	h := NewHost(addr)
	dev, err := h.importDevice(ctx, busid)
	if err != nil {
		return nil, err
	}
	if err := readDescriptors(ctx, dev, &dev.info.Descriptors); err != nil {
		dev.Close()
		return nil, err
	}
	if err := dev.configure(ctx); err != nil {
		return nil, err
	}
	return dev, nil
}

func (h *Host) importDevice(ctx context.Context, busid string) (*Conn, error) {
	c, err := h.dial(ctx)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	fail := func(err error) (*Conn, error) {
		stop()
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("usbip: importing %s from %s: %w", busid, h.addr, ctx.Err())
		}
		return nil, err
	}
	if _, err := c.Write(ImportRequest{BusID: busid}.Marshal()); err != nil {
		return fail(fmt.Errorf("usbip: importing %s from %s: %w", busid, h.addr, err))
	}
	rep, err := ReadImportReply(c)
	if err != nil {
		return fail(fmt.Errorf("usbip: importing %s from %s: %w", busid, h.addr, err))
	}
	switch rep.Status {
	case StatusOK:
	case StatusDevBusy:
		return fail(fmt.Errorf("usbip: %s on %s is imported by another client: %w", busid, h.addr, usb.ErrBusy))
	case StatusNoDev:
		return fail(fmt.Errorf("usbip: no device %s on %s: %w", busid, h.addr, usb.ErrGone))
	default:
		return fail(fmt.Errorf("usbip: %s refused to export %s (status %d)", h.addr, busid, rep.Status))
	}
	if rep.Device.BusID != busid {
		return fail(fmt.Errorf("usbip: asked %s for %s, got %q: %w", h.addr, busid, rep.Device.BusID, ErrMalformed))
	}
	if !stop() {
		c.Close()
		return nil, fmt.Errorf("usbip: importing %s from %s: %w", busid, h.addr, ctx.Err())
	}
	c.SetDeadline(time.Time{})
	dev := &Conn{c: c, rec: rep.Device, pending: map[uint32]*call{}, done: make(chan struct{})}
	dev.info = h.info(rep.Device)
	go dev.readLoop()
	return dev, nil
}

// Conn is an imported device: a usb.Device over one USB/IP connection.
// Its methods may be called concurrently (for example a pending bulk IN
// transfer and control transfers).
type Conn struct {
	c    net.Conn
	rec  Device
	info usb.DeviceInfo

	wmu     sync.Mutex // serialises writes
	mu      sync.Mutex // guards below
	seq     uint32
	pending map[uint32]*call
	err     error // why the connection ended
	done    chan struct{}

	configErr error // why the device is not configured, if it refused
}

var _ usb.Device = (*Conn)(nil)

type call struct {
	in     bool
	ret    chan *RetSubmit // buffered 1
	unlink chan *RetUnlink // buffered 1
}

// Info describes the device.
func (d *Conn) Info() usb.DeviceInfo { return d.info }

// Record returns the exported-device record the server sent on import.
func (d *Conn) Record() Device { return d.rec }

func (d *Conn) readLoop() {
	var err error
	for {
		var pdu any
		pdu, err = ReadReturn(d.c, func(seq uint32) bool {
			d.mu.Lock()
			defer d.mu.Unlock()
			c := d.pending[seq]
			return c != nil && c.in
		})
		if err != nil {
			break
		}
		d.mu.Lock()
		switch p := pdu.(type) {
		case *RetSubmit:
			if c := d.pending[p.Seqnum]; c != nil {
				select {
				case c.ret <- p:
				default: // a second reply for one URB: ignore it
				}
			}
		case *RetUnlink:
			if c := d.pending[p.Seqnum]; c != nil {
				select {
				case c.unlink <- p:
				default:
				}
			}
		}
		d.mu.Unlock()
	}
	d.mu.Lock()
	if d.err == nil {
		d.err = fmt.Errorf("usbip: connection to %s lost (%v): %w", d.rec.BusID, err, usb.ErrGone)
	}
	d.mu.Unlock()
	close(d.done)
	d.c.Close()
}

func (d *Conn) gone() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

func (d *Conn) send(b []byte) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if _, err := d.c.Write(b); err != nil {
		d.c.Close()
		<-d.done
		return d.gone()
	}
	return nil
}

// register allocates a seqnum for a new call.
func (d *Conn) register(in bool) (uint32, *call, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return 0, nil, d.err
	}
	d.seq++
	if d.seq == 0 {
		d.seq = 1
	}
	c := &call{in: in, ret: make(chan *RetSubmit, 1), unlink: make(chan *RetUnlink, 1)}
	d.pending[d.seq] = c
	return d.seq, c, nil
}

func (d *Conn) unregister(seq uint32) {
	d.mu.Lock()
	delete(d.pending, seq)
	d.mu.Unlock()
}

// submit sends one URB and waits for its completion or ctx's end.
func (d *Conn) submit(ctx context.Context, cmd CmdSubmit) (*RetSubmit, error) {
	seq, c, err := d.start(&cmd)
	if err != nil {
		return nil, err
	}
	defer d.unregister(seq)
	return d.await(ctx, cmd, seq, c)
}

// start sends one URB; await (then unregister) must follow.
func (d *Conn) start(cmd *CmdSubmit) (uint32, *call, error) {
	seq, c, err := d.register(cmd.Direction == DirIn)
	if err != nil {
		return 0, nil, err
	}
	cmd.Seqnum = seq
	cmd.DevID = d.rec.DevID()
	cmd.NumberOfPackets = NoISO
	if err := d.send(cmd.Marshal()); err != nil {
		d.unregister(seq)
		return 0, nil, err
	}
	return seq, c, nil
}

// await waits for the completion of the URB seq, unlinking it when ctx
// ends first.
func (d *Conn) await(ctx context.Context, cmd CmdSubmit, seq uint32, c *call) (*RetSubmit, error) {
	select {
	case r := <-c.ret:
		return r, nil
	case <-d.done:
		return nil, d.gone()
	case <-ctx.Done():
	}
	// Cancel: CMD_UNLINK has its own seqnum; the answer is either the
	// RET_SUBMIT (it completed first) or RET_UNLINK.
	useq, uc, err := d.register(false)
	if err != nil {
		return nil, err
	}
	defer d.unregister(useq)
	if err := d.send(CmdUnlink{Basic: Basic{Seqnum: useq, DevID: d.rec.DevID(), Direction: cmd.Direction, Ep: cmd.Ep}, UnlinkSeqnum: seq}.Marshal()); err != nil {
		return nil, err
	}
	wait := time.NewTimer(5 * time.Second)
	defer wait.Stop()
	select {
	case r := <-c.ret:
		return r, nil
	case <-uc.unlink:
		select { // a RET_SUBMIT may have come just before
		case r := <-c.ret:
			return r, nil
		default:
		}
	case <-d.done:
		return nil, d.gone()
	case <-wait.C:
		d.Close()
		return nil, fmt.Errorf("usbip: %s did not answer the unlink of URB %d: %w", d.rec.BusID, seq, usb.ErrGone)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("usbip: URB on endpoint %d of %s: %w (%w)", cmd.Ep, d.rec.BusID, usb.ErrTimeout, ctx.Err())
	}
	return nil, ctx.Err()
}

func statusError(st int32, what string) error {
	switch st {
	case 0:
		return nil
	case EPIPE:
		return fmt.Errorf("usbip: %s: %w", what, usb.ErrStall)
	case ENODEV, ESHUTDOWN:
		return fmt.Errorf("usbip: %s: %w", what, usb.ErrGone)
	case ETIMEDOUT:
		return fmt.Errorf("usbip: %s: %w", what, usb.ErrTimeout)
	default:
		return fmt.Errorf("usbip: %s failed with errno %d", what, -st)
	}
}

// Control performs a control transfer (see usb.Device).
func (d *Conn) Control(ctx context.Context, setup usb.Setup, data []byte) (int, error) {
	r, err := d.submit(ctx, controlCommand(setup, data))
	return controlResult(setup, data, r, err)
}

// StartControl queues a control transfer (see usb.ControlQueuer): the
// server runs the URBs of endpoint 0 one after the other, in order.
func (d *Conn) StartControl(ctx context.Context, setup usb.Setup, data []byte) (func() (int, error), error) {
	cmd := controlCommand(setup, data)
	seq, c, err := d.start(&cmd)
	if err != nil {
		return nil, err
	}
	return func() (int, error) {
		defer d.unregister(seq)
		r, err := d.await(ctx, cmd, seq, c)
		return controlResult(setup, data, r, err)
	}, nil
}

var _ usb.ControlQueuer = (*Conn)(nil)

// controlCommand is the URB of a control transfer.
func controlCommand(setup usb.Setup, data []byte) CmdSubmit {
	cmd := CmdSubmit{Setup: setup.Marshal()}
	if setup.In() {
		cmd.Direction = DirIn
		cmd.TransferBufferLength = int32(min(len(data), int(setup.Length)))
	} else {
		if len(data) > int(setup.Length) {
			data = data[:setup.Length]
		}
		cmd.Data = data
		cmd.TransferBufferLength = int32(len(data))
	}
	return cmd
}

// controlResult is what Control returns for the completion r.
func controlResult(setup usb.Setup, data []byte, r *RetSubmit, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	if err := statusError(r.Status, "control request "+setup.String()); err != nil {
		return 0, err
	}
	if setup.In() {
		return copy(data, r.Data), nil
	}
	return int(r.ActualLength), nil
}

// Transfer performs a bulk or interrupt transfer (see usb.Device).
func (d *Conn) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	if len(data) > MaxTransferLength {
		return 0, fmt.Errorf("usbip: transfer of %d bytes on endpoint %#02x exceeds %d; split it", len(data), ep, MaxTransferLength)
	}
	cmd := CmdSubmit{Basic: Basic{Ep: uint32(ep & 0x0f)}, TransferBufferLength: int32(len(data))}
	if ep&0x80 != 0 {
		cmd.Direction = DirIn
	} else {
		cmd.Data = data
	}
	r, err := d.submit(ctx, cmd)
	if err != nil {
		return 0, err
	}
	if err := statusError(r.Status, fmt.Sprintf("transfer on endpoint %#02x", ep)); err != nil {
		return 0, err
	}
	if cmd.Direction == DirIn {
		return copy(data, r.Data), nil
	}
	return int(r.ActualLength), nil
}

// Claim does nothing: over USB/IP the importing side owns the whole device.
func (d *Conn) Claim(ctx context.Context, iface uint8) error { return d.gone() }

// SetAlternate sends SET_INTERFACE.
func (d *Conn) SetAlternate(ctx context.Context, iface, alt uint8) error {
	_, err := d.Control(ctx, usb.Setup{RequestType: usb.DirOut | usb.TypeStandard | usb.RecipientInterface, Request: usb.ReqSetInterface, Value: uint16(alt), Index: uint16(iface)}, nil)
	if err != nil && d.configErr != nil {
		return fmt.Errorf("%w (the device refused its configuration when it was opened: %v)", err, d.configErr)
	}
	return err
}

// Close drops the connection; the server frees the device for others.
func (d *Conn) Close() error {
	d.mu.Lock()
	if d.err == nil {
		d.err = fmt.Errorf("usbip: device %s was closed: %w", d.rec.BusID, usb.ErrGone)
	}
	d.mu.Unlock()
	// Half-close and wait for the server to close its side: by then it
	// has released the device, so an import right after Close succeeds.
	if tc, ok := d.c.(interface{ CloseWrite() error }); ok && tc.CloseWrite() == nil {
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-d.done:
		case <-t.C:
		}
	}
	d.c.Close()
	<-d.done
	return nil
}
