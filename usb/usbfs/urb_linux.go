//go:build linux

package usbfs

import (
	"context"
	"errors"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Asynchronous transfers (USBDEVFS_SUBMITURB / REAPURBNDELAY / DISCARDURB),
// used when the context can be cancelled. The synchronous CONTROL and BULK
// ioctls wait in the kernel without being interruptible, even by SIGKILL,
// until their timeout; an URB can be discarded the moment the context is
// cancelled.
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
	u    *urb
	buf  []byte
	wake int  // eventfd the waiter polls besides the device
	done bool // reaped (u.Status and u.ActualLength are valid) or lost
	lost error
}

// discardGrace bounds the wait for a discarded URB to come back.
const discardGrace = 5 * time.Second

// submit runs one URB to completion: it submits it, waits for it with poll
// (the device fd becomes writable when an URB completes, and hangs up when
// the device leaves), reaps completions (its own or other goroutines'),
// and discards it when ctx is done or tmo passes. It returns the actual
// length, a raw errno, ETIMEDOUT, or ctx.Err().
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
	stop     func() bool
	wakeMu   sync.Mutex // the cancel callback never writes to a closed (reused) fd
	wakeOpen bool
}

// start submits one URB; finish must follow.
func (d *Device) start(ctx context.Context, typ, ep uint8, buf []byte, tmo time.Duration) (*inflight, error) {
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, err
	}
	p := &pendingURB{u: &urb{Type: typ, Endpoint: ep, BufferLength: int32(len(buf))}, buf: buf, wake: wake}
	if len(buf) > 0 {
		p.u.Buffer = unsafe.Pointer(&buf[0])
	}
	f := &inflight{d: d, ctx: ctx, p: p, key: uintptr(unsafe.Pointer(p.u)), deadline: time.Now().Add(tmo), wakeOpen: true}
	d.reapMu.Lock()
	_, err = d.sys(d.fd, usbdevfsSubmitURB, unsafe.Pointer(p.u))
	if err == nil {
		d.pending[f.key] = p
	}
	d.reapMu.Unlock()
	if err != nil {
		unix.Close(wake)
		return nil, err
	}
	f.stop = context.AfterFunc(ctx, func() {
		f.wakeMu.Lock()
		if f.wakeOpen {
			signal(wake)
		}
		f.wakeMu.Unlock()
	})
	return f, nil
}

// finish waits for the URB and releases its eventfd; see submit.
func (f *inflight) finish() (int, error) {
	defer f.release()
	why := f.d.await(f.ctx, f.p, f.key, f.deadline)
	return f.p.outcome(why)
}

// release stops watching ctx and closes the eventfd.
func (f *inflight) release() {
	f.stop()
	f.wakeMu.Lock()
	f.wakeOpen = false
	unix.Close(f.p.wake)
	f.wakeMu.Unlock()
}

// drop forgets an URB whose device was closed before its waiter came:
// the kernel dropped it with the fd.
func (f *inflight) drop() {
	f.release()
	f.d.reapMu.Lock()
	delete(f.d.pending, f.key)
	f.d.reapMu.Unlock()
}

// await waits until p is reaped (or given up), discarding it when ctx is
// done or deadline passes; it returns why it was discarded (nil if not).
func (d *Device) await(ctx context.Context, p *pendingURB, key uintptr, deadline time.Time) (why error) {
	var discarded time.Time
	for {
		d.reap()
		d.reapMu.Lock()
		done := p.done
		d.reapMu.Unlock()
		if done {
			return why
		}
		if why == nil {
			if err := ctx.Err(); err != nil {
				why = err
			} else if !time.Now().Before(deadline) {
				why = unix.ETIMEDOUT
			}
			if why != nil {
				discarded = time.Now()
				// EINVAL means it completed meanwhile: the next reap gets it.
				d.sys(d.fd, usbdevfsDiscardURB, unsafe.Pointer(p.u))
			}
		}
		wait := time.Until(deadline)
		if why != nil {
			wait = 100 * time.Millisecond // a discarded URB comes back at once
		}
		hangup := d.wait(p.wake, wait)
		if hangup || (why != nil && time.Since(discarded) > discardGrace) {
			// The device hung up (its URBs are killed and reaped, if the
			// kernel still allows reaping) or the URB never came back.
			d.reap()
			d.reapMu.Lock()
			if !p.done {
				d.orphan(key, p, unix.ENODEV)
			}
			d.reapMu.Unlock()
		}
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
	p.done, p.lost = true, err
}

// signal wakes the poller of an eventfd.
func signal(efd int) {
	one := [8]byte{1}
	unix.Write(efd, one[:])
}

// wait polls the device fd for a completed URB and wake for a cancel, at
// most dur; it reports whether the device hung up (left the bus).
func (d *Device) wait(wake int, dur time.Duration) (hangup bool) {
	ms := max(int((dur+time.Millisecond-1)/time.Millisecond), 0)
	fds := []unix.PollFd{{Fd: int32(d.fd), Events: d.pollEvents}, {Fd: int32(wake), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, ms); err != unix.EINTR {
			break
		}
	}
	if fds[1].Revents&unix.POLLIN != 0 {
		var b [8]byte
		unix.Read(wake, b[:]) // drain; the loop re-checks ctx
	}
	return fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0
}

// reap collects every completed URB, marks it done and wakes its waiter.
// If the kernel refuses to reap because the device is gone (kernels without
// USBDEVFS_CAP_REAP_AFTER_DISCONNECT answer ENODEV), every pending URB is
// lost.
func (d *Device) reap() {
	d.reapMu.Lock()
	defer d.reapMu.Unlock()
	for {
		var got uintptr // the kernel writes the address of the reaped urb
		_, err := d.sys(d.fd, usbdevfsReapURBNDelay, unsafe.Pointer(&got))
		if errors.Is(err, unix.EAGAIN) {
			return
		}
		if err != nil {
			for k, p := range d.pending {
				d.orphan(k, p, err)
				signal(p.wake)
			}
			return
		}
		if p, ok := d.pending[got]; ok {
			delete(d.pending, got)
			p.done = true
			signal(p.wake)
		}
		delete(d.orphans, got) // the kernel is done with it now
	}
}
