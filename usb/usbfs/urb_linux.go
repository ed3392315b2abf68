//go:build linux

package usbfs

import (
	"context"
	"errors"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Transfers as URBs (USBDEVFS_SUBMITURB / REAPURBNDELAY / DISCARDURB): an
// URB can be discarded the moment its context is cancelled, and its waiter
// parks without a thread until the device's reaper (reaper_linux.go) reaps
// it.
//
// Memory: the kernel keeps the addresses of the urb struct and of its buffer
// between SUBMITURB and the REAPURBNDELAY that returns it, and writes into
// both during that reap. Both are Go heap objects (Go's collector does not
// move heap objects) kept reachable through Device.pending until reaped; the
// caller's slice is never handed to the kernel, data is copied in and out.

// urb is struct usbdevfs_urb of include/uapi/linux/usbdevice_fs.h, without
// the iso_frame_desc[0] tail (no isochronous transfers here).
type urb struct {
	Type            uint8 // USBDEVFS_URB_TYPE_*
	Endpoint        uint8
	Status          int32 // 0 or a negative errno, written on reap
	Flags           uint32
	Buffer          unsafe.Pointer
	BufferLength    int32
	ActualLength    int32 // written on reap
	StartFrame      int32
	NumberOfPackets int32 // union with stream_id
	ErrorCount      int32
	Signr           uint32
	UserContext     unsafe.Pointer
}

// URB types.
const (
	urbTypeInterrupt = 1
	urbTypeControl   = 2
	urbTypeBulk      = 3
)

// Asynchronous requests.
const (
	usbdevfsSubmitURB     = uintptr(iocRead)<<iocDirShift | unsafe.Sizeof(urb{})<<iocSizeShift | 'U'<<8 | 10       // _IOR('U', 10, struct usbdevfs_urb)
	usbdevfsDiscardURB    = uintptr(iocNone)<<iocDirShift | 'U'<<8 | 11                                            // _IO('U', 11)
	usbdevfsReapURBNDelay = uintptr(iocWrite)<<iocDirShift | unsafe.Sizeof(uintptr(0))<<iocSizeShift | 'U'<<8 | 13 // _IOW('U', 13, void *)
)

// maxURB is the largest bulk URB every kernel accepts (older kernels refuse
// more than 16 KB per URB without USBDEVFS_CAP_NO_PACKET_SIZE_LIM).
const maxURB = 16384

// pendingURB is one submitted URB and its waiter.
type pendingURB struct {
	u     *urb
	buf   []byte
	ready chan struct{} // closed when done
	done  bool          // reaped (u.Status and u.ActualLength are valid) or lost
	lost  error
}

// settle marks p done and wakes its waiter. d.reapMu held.
func (p *pendingURB) settle(lost error) {
	if !p.done {
		p.done, p.lost = true, lost
		close(p.ready)
	}
}

// discardGrace bounds the wait for a discarded URB to come back.
const discardGrace = 5 * time.Second

// submit runs one URB to completion: it submits it, waits until the
// device's reaper reaps it (reaper_linux.go), and discards it when ctx is
// done or tmo passes. It returns the actual length, a raw errno,
// ETIMEDOUT, or ctx.Err().
func (d *Device) submit(ctx context.Context, typ, ep uint8, buf []byte, tmo time.Duration) (int, error) {
	f, err := d.start(ctx, typ, ep, buf, tmo)
	if err != nil {
		return 0, err
	}
	return f.finish()
}

// inflight is a submitted URB whose waiter has not finished yet.
type inflight struct {
	d        *Device
	ctx      context.Context
	p        *pendingURB
	key      uintptr
	deadline time.Time
}

// start submits one URB; finish or drop must follow.
func (d *Device) start(ctx context.Context, typ, ep uint8, buf []byte, tmo time.Duration) (*inflight, error) {
	d.reaperOnce.Do(d.startReaper)
	p := &pendingURB{u: &urb{Type: typ, Endpoint: ep, BufferLength: int32(len(buf))}, buf: buf, ready: make(chan struct{})}
	if len(buf) > 0 {
		p.u.Buffer = unsafe.Pointer(&buf[0])
	}
	f := &inflight{d: d, ctx: ctx, p: p, key: uintptr(unsafe.Pointer(p.u)), deadline: time.Now().Add(tmo)}
	d.reapMu.Lock()
	defer d.reapMu.Unlock()
	if _, err := d.sys(d.fd, usbdevfsSubmitURB, unsafe.Pointer(p.u)); err != nil {
		return nil, err
	}
	d.pending[f.key] = p
	return f, nil
}

// finish waits for the URB; see submit.
func (f *inflight) finish() (int, error) {
	why := f.d.await(f.ctx, f.p, f.key, f.deadline)
	return f.p.outcome(why)
}

// drop forgets an URB whose device was closed before its waiter came:
// the kernel dropped it with the fd.
func (f *inflight) drop() {
	f.d.reapMu.Lock()
	delete(f.d.pending, f.key)
	f.d.reapMu.Unlock()
}

// await waits until p is reaped (or given up), discarding it when ctx is
// done or deadline passes; it returns why it was discarded (nil if not).
// A discarded URB that does not come back within discardGrace (the device
// left and the kernel refuses to reap) is given up as gone.
func (d *Device) await(ctx context.Context, p *pendingURB, key uintptr, deadline time.Time) (why error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	done := ctx.Done()
	for {
		select {
		case <-p.ready:
			return why
		case <-done:
			why = ctx.Err()
		case <-timer.C:
			if why != nil { // the grace after a discard ran out
				d.reapMu.Lock()
				if !p.done {
					d.orphan(key, p, unix.ENODEV)
				}
				d.reapMu.Unlock()
				continue
			}
			why = unix.ETIMEDOUT
		}
		done = nil
		// EINVAL means it completed meanwhile: the reaper gets it.
		d.sys(d.fd, usbdevfsDiscardURB, unsafe.Pointer(p.u))
		timer.Reset(discardGrace)
	}
}

// outcome is the result of a reaped or lost URB: the actual length, or a
// raw errno, or why (the reason it was discarded).
func (p *pendingURB) outcome(why error) (int, error) {
	if p.lost != nil {
		if why != nil && !errors.Is(p.lost, unix.ENODEV) {
			return 0, why
		}
		return 0, p.lost
	}
	st := unix.Errno(-p.u.Status)
	killed := st == unix.ENOENT || st == unix.ECONNRESET
	switch {
	case p.u.Status == 0:
		return int(p.u.ActualLength), nil
	case killed && why != nil:
		return 0, why
	case killed:
		// Not discarded by us: the kernel killed it because the device
		// left the bus (or its interface was taken away).
		return 0, unix.ESHUTDOWN
	}
	return 0, st
}

// orphan gives up waiting for an URB: its waiter is told err, and the urb
// and buffer stay referenced until the fd is closed, since the kernel may
// still write into them when some later reap returns them. d.reapMu held.
func (d *Device) orphan(key uintptr, p *pendingURB, err error) {
	delete(d.pending, key)
	d.orphans[key] = p
	p.settle(err)
}

// reap collects every completed URB, marks it done and wakes its waiter;
// it returns how many it reaped. If the kernel refuses to reap because the
// device is gone (kernels without USBDEVFS_CAP_REAP_AFTER_DISCONNECT, or
// nothing left to reap, answer ENODEV), every pending URB is lost.
func (d *Device) reap() (reaped int) {
	d.reapMu.Lock()
	defer d.reapMu.Unlock()
	for {
		var got uintptr // the kernel writes the address of the reaped urb
		_, err := d.sys(d.fd, usbdevfsReapURBNDelay, unsafe.Pointer(&got))
		if errors.Is(err, unix.EAGAIN) {
			return reaped
		}
		if err != nil {
			d.loseAll(err)
			return reaped
		}
		reaped++
		if p, ok := d.pending[got]; ok {
			delete(d.pending, got)
			p.settle(nil)
		}
		delete(d.orphans, got) // the kernel is done with it now
	}
}

// loseAll gives up every pending URB with err. d.reapMu held.
func (d *Device) loseAll(err error) {
	for k, p := range d.pending {
		d.orphan(k, p, err)
	}
}

// reapOrHangUp reaps, and when the wake-up brought nothing to reap, checks
// whether the device hung up (left the bus): its URBs that were not
// reaped then are lost.
func (d *Device) reapOrHangUp() {
	if d.reap() > 0 {
		return
	}
	fds := []unix.PollFd{{Fd: int32(d.fd), Events: d.pollEvents}}
	if n, err := unix.Poll(fds, 0); err == nil && n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
		d.reapMu.Lock()
		d.loseAll(unix.ENODEV)
		d.reapMu.Unlock()
	}
}
