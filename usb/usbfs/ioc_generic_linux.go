//go:build linux && !(mips || mipsle || mips64 || mips64le || ppc64 || ppc64le)

package usbfs

// _IOC field layout of asm-generic/ioctl.h (x86, arm, arm64, riscv64,
// loong64, s390x).
const (
	iocNone      = 0
	iocWrite     = 1
	iocRead      = 2
	iocSizeShift = 16
	iocDirShift  = 30
)
