//go:build linux

package usbfs

import (
	"unsafe"

	"github.com/softdfu/softdfu/usb/rawcall"
)

// controlIoctl makes one USBDEVFS_CONTROL. A synchronous control transfer
// blocks in the kernel for the whole transfer (1-3 ms on real USB, 3-20 ms
// through USB/IP in a VM) and is bounded by its timeout (syncLimitMs at
// most), so it runs as a raw system call when one can be taken
// (usb/rawcall: the scheduler does nothing around it), and as an
// ordinary one otherwise or when the device has no raw path (tests).
func (d *Device) controlIoctl(arg unsafe.Pointer) (int, error) {
	if d.raw != nil && rawcall.Take() {
		defer rawcall.Give()
		return d.raw(d.fd, usbdevfsControl, arg)
	}
	return d.sys(d.fd, usbdevfsControl, arg)
}
