//go:build linux

package rawcall

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ioctl makes ioctl(fd, req, arg) as a raw system call, retrying on EINTR.
// The caller has reserved it with Take. arg must stay valid until it
// returns (the conversion to uintptr in the call keeps it alive).
func Ioctl(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
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

// Sleep waits d as raw nanosleep calls when d is at most MaxSleep and a
// raw call can be taken; it reports whether it did (false: the caller
// waits its own way).
func Sleep(d time.Duration) bool {
	if d <= 0 || d > MaxSleep || !Take() {
		return false
	}
	defer Give()
	ts := unix.NsecToTimespec(int64(d))
	for {
		var left unix.Timespec
		_, _, errno := unix.RawSyscall(unix.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), uintptr(unsafe.Pointer(&left)), 0)
		if errno != unix.EINTR {
			return true
		}
		ts = left
	}
}
