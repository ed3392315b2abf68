//go:build linux && (mips || mipsle || mips64 || mips64le || ppc64 || ppc64le)

package usbfs

// _IOC field layout of arch/mips and arch/powerpc asm/ioctl.h: a 13-bit size
// and a 3-bit direction with "none" = 1, read = 2, write = 4.
const (
	iocNone      = 1
	iocRead      = 2
	iocWrite     = 4
	iocSizeShift = 16
	iocDirShift  = 29
)
