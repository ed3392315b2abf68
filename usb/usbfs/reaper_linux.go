//go:build linux

package usbfs

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The reaper is the one goroutine of a device that waits for completed
// URBs. The device's file descriptor is in the Go runtime's network poller
// (epoll: usbfs wakes its pollers when an URB completes and when the device
// leaves the bus), so the wait takes no thread: a program driving many
// boards has one thread in epoll_wait for all of them instead of one
// blocked in a system call per board. The reaper reaps every completion
// and closes each URB's ready channel; the waiters select on it, their
// context and their timeout.

// startReaper registers the file descriptor with the poller and starts the
// reaper. The fd must stay open until Close (which closes it through
// d.file). If the poller refuses the fd, the reaper polls it with poll(2)
// instead, on a thread of its own.
func (d *Device) startReaper() {
	d.reaperDone = make(chan struct{})
	if err := unix.SetNonblock(d.fd, true); err == nil {
		d.file = os.NewFile(uintptr(d.fd), d.node)
	}
	rc, ok := d.pollable()
	ok = ok && !avoidPoller
	d.polled = ok
	go func() {
		defer close(d.reaperDone)
		if ok {
			d.reapPolled(rc)
			return
		}
		d.reapPolling()
	}()
}

// avoidPoller makes every reaper use poll(2), for the tests of that path.
var avoidPoller = false

// pollable is the fd's raw connection if the runtime's poller holds it.
func (d *Device) pollable() (syscall.RawConn, bool) {
	if d.file == nil || d.file.SetDeadline(time.Time{}) != nil {
		return nil, false // os.ErrNoDeadline: not in the poller
	}
	rc, err := d.file.SyscallConn()
	return rc, err == nil
}

// reapPolled reaps whenever the poller reports the fd ready, until the file
// is closed. usbfs reports a completion as writable (POLLOUT); the tests'
// stand-in, a pipe, as readable.
func (d *Device) reapPolled(rc syscall.RawConn) {
	wait := rc.Write
	if d.pollEvents&unix.POLLIN != 0 {
		wait = rc.Read
	}
	for {
		err := wait(func(uintptr) bool {
			d.reapOrHangUp()
			return false // always wait for the next completion
		})
		if err != nil {
			return // the file was closed
		}
	}
}

// reapPolling is the reaper for an fd the poller refused: poll(2) with a
// short timeout so that Close, which sets stopReaper, is seen.
func (d *Device) reapPolling() {
	fds := []unix.PollFd{{Fd: int32(d.fd), Events: d.pollEvents}}
	for !d.stopReaper.Load() {
		unix.Poll(fds, 20)
		d.reapOrHangUp() // also after a timeout: a wake-up is never missed
		if fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0 {
			time.Sleep(20 * time.Millisecond) // poll answers at once from now on
		}
	}
}

// stopReaping ends the reaper and closes the fd; d.mu is write-held and no
// transfer is in progress.
func (d *Device) stopReaping() error {
	if d.reaperDone == nil {
		return unix.Close(d.fd)
	}
	d.stopReaper.Store(true)
	if !d.polled {
		<-d.reaperDone // within one poll timeout
		if d.file != nil {
			return d.file.Close()
		}
		return unix.Close(d.fd)
	}
	err := d.file.Close() // wakes the reaper; the fd closes once it has left
	<-d.reaperDone
	return err
}
