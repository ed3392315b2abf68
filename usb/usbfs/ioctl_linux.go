//go:build linux

package usbfs

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Argument structs of the usbfs ioctls, laid out as in the kernel's
// include/uapi/linux/usbdevice_fs.h (torvalds/linux). Go lays out these
// fields with the same alignment rules as C on every Linux port, so the
// pointer fields move and the struct sizes change with the word size
// exactly as in C; ioctl_linux_test.go checks sizes and offsets.

// setInterface is struct usbdevfs_setinterface.
type setInterface struct {
	Interface  uint32
	AltSetting uint32
}

// ioctlArg is struct usbdevfs_ioctl, the wrapper USBDEVFS_IOCTL takes to
// send DISCONNECT / CONNECT to one interface.
type ioctlArg struct {
	Ifno      int32 // interface number
	IoctlCode int32 // the wrapped request, encoding its own size and direction
	Data      unsafe.Pointer
}

// usbfs requests (the USBDEVFS_* macros of usbdevice_fs.h). On amd64 and
// arm64 they are the values in docs/PROTOCOL.md section 7.
const (
	usbdevfsSetInterface     = uintptr(iocRead)<<iocDirShift | unsafe.Sizeof(setInterface{})<<iocSizeShift | 'U'<<8 | 4       // _IOR('U', 4, struct usbdevfs_setinterface)
	usbdevfsClaimInterface   = uintptr(iocRead)<<iocDirShift | 4<<iocSizeShift | 'U'<<8 | 15                                  // _IOR('U', 15, unsigned int)
	usbdevfsReleaseInterface = uintptr(iocRead)<<iocDirShift | 4<<iocSizeShift | 'U'<<8 | 16                                  // _IOR('U', 16, unsigned int)
	usbdevfsIoctl            = uintptr(iocRead|iocWrite)<<iocDirShift | unsafe.Sizeof(ioctlArg{})<<iocSizeShift | 'U'<<8 | 18 // _IOWR('U', 18, struct usbdevfs_ioctl)
	usbdevfsReset            = uintptr(iocNone)<<iocDirShift | 'U'<<8 | 20                                                    // _IO('U', 20)
	usbdevfsClearHalt        = uintptr(iocRead)<<iocDirShift | 4<<iocSizeShift | 'U'<<8 | 21                                  // _IOR('U', 21, unsigned int)
	usbdevfsDisconnect       = uintptr(iocNone)<<iocDirShift | 'U'<<8 | 22                                                    // _IO('U', 22)
	usbdevfsConnect          = uintptr(iocNone)<<iocDirShift | 'U'<<8 | 23                                                    // _IO('U', 23)
	usbdevfsGetCapabilities  = uintptr(iocRead)<<iocDirShift | 4<<iocSizeShift | 'U'<<8 | 26                                  // _IOR('U', 26, __u32)
)

// Capability bits returned by Capabilities (USBDEVFS_CAP_*).
const (
	CapZeroPacket          = 0x01
	CapBulkContinuation    = 0x02
	CapNoPacketSizeLimit   = 0x04
	CapBulkScatterGather   = 0x08
	CapReapAfterDisconnect = 0x10
	CapMmap                = 0x20
	CapDropPrivileges      = 0x40
)

// ioctlFunc performs one ioctl; the Device calls it through a field so
// tests can stand in for the kernel.
type ioctlFunc func(fd int, req uintptr, arg unsafe.Pointer) (int, error)

// sysIoctl is the real ioctl. The pointer is converted to uintptr in the
// call expression itself, so the object it points to (and, through the
// struct's unsafe.Pointer field, the data buffer) stays alive and in place
// until the syscall returns; callers add runtime.KeepAlive for the buffers
// they reach only through struct fields.
func sysIoctl(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return int(r), errno
		}
		return int(r), nil
	}
}
