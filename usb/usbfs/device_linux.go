//go:build linux

package usbfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/softdfu/softdfu/usb"
)

// Device is a device opened through usbfs. Its methods may be called from
// several goroutines; Close waits for transfers in progress.
type Device struct {
	mu       sync.RWMutex // write-held by Close and by interface bookkeeping
	fd       int
	closed   bool
	node     string
	info     usb.DeviceInfo
	dir      string // sysfs device directory
	sys      ioctlFunc
	claimed  map[uint8]bool
	detached map[uint8]string // interface -> kernel driver Claim detached

	pollEvents int16 // what poll(2) reports for a completed URB: POLLOUT
	reapMu     sync.Mutex
	pending    map[uintptr]*pendingURB // submitted, by urb address
	orphans    map[uintptr]*pendingURB // given up on, kept alive until Close

	// The reaper (reaper_linux.go), started by the first URB.
	reaperOnce sync.Once
	reaperDone chan struct{} // closed when the reaper has returned
	stopReaper atomic.Bool   // set by Close
	file       *os.File      // owns fd once the reaper started
	polled     bool          // file is in the runtime's poller
}

var _ usb.Device = (*Device)(nil)

// Info describes the device as it was when opened.
func (d *Device) Info() usb.DeviceInfo { return d.info }

// Node is the /dev/bus/usb/BBB/DDD path of the device.
func (d *Device) Node() string { return d.node }

// errClosed is returned by methods of a closed Device.
var errClosed = errors.New("usbfs: device is closed")

// Control performs a control transfer on endpoint 0. len(data) must be at
// least setup.Length; the data stage moves setup.Length bytes at most.
// usbfs refuses a wLength above one page (4096 bytes on most systems).
func (d *Device) Control(ctx context.Context, setup usb.Setup, data []byte) (int, error) {
	if err := checkControl(setup, data); err != nil {
		return 0, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return 0, errClosed
	}
	tmo, fromCtx, err := timeout(ctx)
	if err != nil {
		return 0, fmt.Errorf("usbfs: control %s: %w", setup, err)
	}
	buf := controlBuffer(setup, data)
	n, err := d.submit(ctx, urbTypeControl, 0, buf, time.Duration(tmo)*time.Millisecond)
	if err != nil {
		return 0, d.transferError(fmt.Sprintf("control %s", setup), err, tmo, fromCtx)
	}
	return controlIn(setup, data, buf, n), nil
}

// checkControl refuses a control transfer usbfs cannot make.
func checkControl(setup usb.Setup, data []byte) error {
	if len(data) < int(setup.Length) {
		return fmt.Errorf("usbfs: control %s: buffer of %d bytes is shorter than wLength %d", setup, len(data), setup.Length)
	}
	if page := unix.Getpagesize(); int(setup.Length) > page {
		return fmt.Errorf("usbfs: control %s: wLength %d is more than usbfs allows in one control transfer (%d bytes); split the transfer", setup, setup.Length, page)
	}
	return nil
}

// controlBuffer is the buffer of a control URB: the 8-byte setup packet,
// then the data stage (copied in for OUT).
func controlBuffer(setup usb.Setup, data []byte) []byte {
	buf := make([]byte, 8+int(setup.Length))
	sp := setup.Marshal()
	copy(buf, sp[:])
	if !setup.In() {
		copy(buf[8:], data[:setup.Length])
	}
	return buf
}

// controlIn copies the IN data stage of a reaped control URB to data and
// returns the length of the data stage.
func controlIn(setup usb.Setup, data, buf []byte, n int) int {
	n = min(n, int(setup.Length))
	if setup.In() {
		copy(data, buf[8:8+n])
	}
	return n
}

// StartControl queues a control transfer on endpoint 0 as an URB (see
// usb.ControlQueuer); the kernel runs the URBs of an endpoint in order.
// Neither call holds the device across the other, so Close may come in
// between: wait then answers that the device is closed.
func (d *Device) StartControl(ctx context.Context, setup usb.Setup, data []byte) (func() (int, error), error) {
	if err := checkControl(setup, data); err != nil {
		return nil, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return nil, errClosed
	}
	tmo, fromCtx, err := timeout(ctx)
	if err != nil {
		return nil, fmt.Errorf("usbfs: control %s: %w", setup, err)
	}
	buf := controlBuffer(setup, data)
	f, err := d.start(ctx, urbTypeControl, 0, buf, time.Duration(tmo)*time.Millisecond)
	if err != nil {
		return nil, d.transferError(fmt.Sprintf("control %s", setup), err, tmo, fromCtx)
	}
	return func() (int, error) {
		d.mu.RLock()
		defer d.mu.RUnlock()
		if d.closed {
			f.drop()
			return 0, errClosed
		}
		n, err := f.finish()
		if err != nil {
			return 0, d.transferError(fmt.Sprintf("control %s", setup), err, tmo, fromCtx)
		}
		return controlIn(setup, data, buf, n), nil
	}, nil
}

var _ usb.ControlQueuer = (*Device)(nil)

// Transfer performs a bulk or interrupt transfer on endpoint ep (bit 7 set
// = IN); the kernel routes it to an interrupt pipe for interrupt endpoints.
// On an error it returns the bytes moved before it.
func (d *Device) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return 0, errClosed
	}
	what := fmt.Sprintf("transfer on endpoint %#02x", ep)
	tmo, fromCtx, err := timeout(ctx)
	if err != nil {
		return 0, fmt.Errorf("usbfs: %s: %w", what, err)
	}
	n, err := d.bulk(ctx, ep, data, tmo)
	if err != nil {
		return n, d.transferError(what, err, tmo, fromCtx)
	}
	return n, nil
}

// bulk moves data in URBs of at most maxURB bytes (the kernel turns a
// bulk URB on an interrupt endpoint into an interrupt URB). An IN transfer
// ends at the first short URB. It returns the bytes moved before an error.
func (d *Device) bulk(ctx context.Context, ep uint8, data []byte, tmo uint32) (int, error) {
	deadline := time.Now().Add(time.Duration(tmo) * time.Millisecond)
	in := ep&usb.DirIn != 0
	total := 0
	for {
		chunk := min(len(data)-total, maxURB)
		buf := make([]byte, chunk)
		if !in {
			copy(buf, data[total:total+chunk])
		}
		n, err := d.submit(ctx, urbTypeBulk, ep, buf, time.Until(deadline))
		if err != nil {
			return total, err
		}
		n = min(n, chunk)
		if in {
			copy(data[total:], buf[:n])
		}
		total += n
		if total >= len(data) || (in && n < chunk) {
			return total, nil
		}
	}
}

// Claim claims interface iface for this program. A kernel driver bound to
// it is detached first (USBDEVFS_DISCONNECT) and re-attached by Close; an
// interface held by another program through usbfs is usb.ErrBusy.
func (d *Device) Claim(ctx context.Context, iface uint8) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosed
	}
	if d.claimed[iface] {
		return nil
	}
	what := fmt.Sprintf("claiming interface %d", iface)
	ifdir := interfaceDir(d.dir, iface)
	if drv := driverOf(ifdir); drv == "usbfs" {
		return d.busyError(what, ifdir)
	} else if drv != "" {
		a := &ioctlArg{Ifno: int32(iface), IoctlCode: int32(usbdevfsDisconnect)}
		_, err := d.sys(d.fd, usbdevfsIoctl, unsafe.Pointer(a))
		runtime.KeepAlive(a)
		switch {
		case err == nil:
			d.detached[iface] = drv
		case errors.Is(err, unix.ENODATA): // unbound meanwhile
		default:
			return d.errnoError(fmt.Sprintf("detaching kernel driver %s from interface %d", drv, iface), err, ifdir)
		}
	}
	v := uint32(iface)
	_, err := d.sys(d.fd, usbdevfsClaimInterface, unsafe.Pointer(&v))
	if err != nil {
		return d.errnoError(what, err, ifdir)
	}
	d.claimed[iface] = true
	return nil
}

// Release releases a claimed interface and re-attaches the kernel driver
// Claim detached from it, if any.
func (d *Device) Release(ctx context.Context, iface uint8) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosed
	}
	return d.release(iface)
}

// release does Release with d.mu held. A device that left the bus releases
// cleanly.
func (d *Device) release(iface uint8) error {
	var errs []error
	if d.claimed[iface] {
		delete(d.claimed, iface)
		v := uint32(iface)
		if _, err := d.sys(d.fd, usbdevfsReleaseInterface, unsafe.Pointer(&v)); err != nil && !isGone(err) {
			errs = append(errs, d.errnoError(fmt.Sprintf("releasing interface %d", iface), err, ""))
		}
	}
	if drv, ok := d.detached[iface]; ok {
		delete(d.detached, iface)
		a := &ioctlArg{Ifno: int32(iface), IoctlCode: int32(usbdevfsConnect)}
		_, err := d.sys(d.fd, usbdevfsIoctl, unsafe.Pointer(a))
		runtime.KeepAlive(a)
		if err != nil && !isGone(err) {
			errs = append(errs, d.errnoError(fmt.Sprintf("re-attaching kernel driver %s to interface %d", drv, iface), err, ""))
		}
	}
	return errors.Join(errs...)
}

// SetAlternate selects alternate setting alt of interface iface.
func (d *Device) SetAlternate(ctx context.Context, iface, alt uint8) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errClosed
	}
	s := &setInterface{Interface: uint32(iface), AltSetting: uint32(alt)}
	_, err := d.sys(d.fd, usbdevfsSetInterface, unsafe.Pointer(s))
	runtime.KeepAlive(s)
	if err != nil {
		return d.errnoError(fmt.Sprintf("selecting alternate setting %d of interface %d", alt, iface), err, interfaceDir(d.dir, iface))
	}
	return nil
}

// ClearHalt clears a halt (STALL) condition of endpoint ep.
func (d *Device) ClearHalt(ctx context.Context, ep uint8) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errClosed
	}
	v := uint32(ep)
	if _, err := d.sys(d.fd, usbdevfsClearHalt, unsafe.Pointer(&v)); err != nil {
		return d.errnoError(fmt.Sprintf("clearing halt on endpoint %#02x", ep), err, "")
	}
	return nil
}

// Reset resets the device on the bus (USBDEVFS_RESET). If its descriptors
// change, or it otherwise re-enumerates, this Device is dead afterwards:
// close it, scan again and open the device anew. Reset of a device that
// leaves the bus during the reset is not an error.
func (d *Device) Reset(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return errClosed
	}
	if _, err := d.sys(d.fd, usbdevfsReset, nil); err != nil && !isGone(err) {
		return d.errnoError("resetting the device", err, "")
	}
	return nil
}

// Capabilities returns the USBDEVFS_CAP_* bits of the kernel and host
// controller (CapZeroPacket, ...).
func (d *Device) Capabilities() (uint32, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return 0, errClosed
	}
	var v uint32
	if _, err := d.sys(d.fd, usbdevfsGetCapabilities, unsafe.Pointer(&v)); err != nil {
		return 0, d.errnoError("reading usbfs capabilities", err, "")
	}
	return v, nil
}

// Close releases claimed interfaces, re-attaches the kernel drivers Claim
// detached and closes the file descriptor. It waits for transfers in
// progress. A device that left the bus closes cleanly. Close is idempotent.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var ifaces []int
	for i := range d.claimed {
		ifaces = append(ifaces, int(i))
	}
	for i := range d.detached {
		if !d.claimed[i] {
			ifaces = append(ifaces, int(i))
		}
	}
	sort.Ints(ifaces)
	var errs []error
	for _, i := range ifaces {
		if err := d.release(uint8(i)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := d.stopReaping(); err != nil {
		errs = append(errs, fmt.Errorf("usbfs: closing %s: %w", d.node, err))
	}
	d.reapMu.Lock()
	clear(d.orphans) // the kernel dropped its URBs with the fd
	d.reapMu.Unlock()
	return errors.Join(errs...)
}

// timeout converts the context deadline to the ioctl timeout in
// milliseconds (rounded up, at least 1, at most MaxTimeout), or
// DefaultTimeout without a deadline. fromCtx reports that the deadline
// chose it.
func timeout(ctx context.Context) (ms uint32, fromCtx bool, err error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return uint32(DefaultTimeout / time.Millisecond), false, nil
	}
	left := time.Until(dl)
	if left <= 0 {
		return 0, false, context.DeadlineExceeded
	}
	if left > MaxTimeout {
		return uint32(MaxTimeout / time.Millisecond), false, nil
	}
	return uint32((left + time.Millisecond - 1) / time.Millisecond), true, nil
}
