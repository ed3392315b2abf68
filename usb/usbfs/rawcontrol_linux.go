//go:build linux

package usbfs

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A synchronous control transfer blocks in the kernel for the whole
// transfer: a DFU request takes 1-3 ms on real USB and 3-20 ms through
// USB/IP in a VM. Made as an ordinary system call, the Go runtime counts
// the goroutine as in a system call, and its monitor thread takes the P
// away from a call that lasts over 10 ms and hands it to another thread;
// on the way back the thread must get a P again. Measured in the QEMU
// guest of the interop bench (two emulated CPUs, no KVM), a 12 ms blocking
// system call cost 13.3 ms made that way and 11.5 ms as a raw one
// (docs/PERFORMANCE.md): the handoff, thread wake-ups and clock reads are
// a good part of what one DFU request costs there.
//
// So a control transfer runs as a raw system call (the runtime is not
// told; the P stays with the thread) when that leaves at least one P free
// for the rest of the program: at most GOMAXPROCS-1 raw transfers are in
// flight at once, across all devices. Transfers beyond that (many boards
// at once on a small machine) are ordinary system calls, so every board
// keeps moving. While a raw transfer is in flight the garbage collector's
// stop-the-world phases wait for it; that wait is bounded by the
// transfer's timeout (syncLimitMs at most; milliseconds in practice).

// rawInFlight counts raw control transfers in flight, across all devices.
var rawInFlight atomic.Int32

// takeRawSlot reserves a raw transfer if that leaves a P free; the caller
// must call giveRawSlot after the transfer when it returns true.
func takeRawSlot() bool {
	limit := int32(runtime.GOMAXPROCS(0) - 1)
	if rawInFlight.Add(1) <= limit {
		return true
	}
	rawInFlight.Add(-1)
	return false
}

// giveRawSlot releases a slot taken by takeRawSlot.
func giveRawSlot() { rawInFlight.Add(-1) }

// rawIoctl is sysIoctl made as a raw system call. The usbfs control ioctl
// waits uninterruptibly, so EINTR is not expected; it is retried anyway.
func rawIoctl(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	for {
		r, _, errno := unix.RawSyscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return int(r), errno
		}
		return int(r), nil
	}
}

// controlIoctl makes one USBDEVFS_CONTROL: raw when a slot is free and
// the device has a raw path, an ordinary system call otherwise.
func (d *Device) controlIoctl(arg unsafe.Pointer) (int, error) {
	if d.raw != nil && takeRawSlot() {
		defer giveRawSlot()
		return d.raw(d.fd, usbdevfsControl, arg)
	}
	return d.sys(d.fd, usbdevfsControl, arg)
}
