//go:build linux

package usbfs

import (
	"context"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/softdfu/softdfu/usb"
)

const supported = true

// Open opens the device now at info.Path. It re-reads sysfs for the current
// device number, so it works after the device re-enumerated on the same
// port as the same device, and fails with usb.ErrGone if the port is empty
// or holds another device. EACCES is usb.ErrPermission with the udev rule
// to install.
func (h *Host) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := h.current(info)
	if err != nil {
		return nil, err
	}
	node := filepath.Join(h.devRoot(), fmt.Sprintf("%03d", d.info.Bus), fmt.Sprintf("%03d", d.info.Address))
	fd, err := unix.Open(node, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, openError(node, d.info, err)
	}
	return newDevice(fd, node, d, sysIoctl), nil
}

func newDevice(fd int, node string, d sysDevice, sys ioctlFunc) *Device {
	return &Device{fd: fd, node: node, info: d.info, dir: d.dir, sys: sys,
		claimed: map[uint8]bool{}, detached: map[uint8]string{},
		pollEvents: unix.POLLOUT, pending: map[uintptr]*pendingURB{}, orphans: map[uintptr]*pendingURB{}}
}

func (h *Host) devRoot() string { return or(h.DevRoot, DefaultDevRoot) }

// current re-reads the device now at info.Path and checks it is the same
// device (vendor, product and, where both have one, serial).
func (h *Host) current(info usb.DeviceInfo) (sysDevice, error) {
	if info.Host != "" && info.Host != HostName {
		return sysDevice{}, fmt.Errorf("usbfs: device %s belongs to host %q, not %q", info, info.Host, HostName)
	}
	if !isDeviceName(info.Path) {
		return sysDevice{}, fmt.Errorf("usbfs: %w: %q is not a USB port path such as 1-1.4", usb.ErrNotFound, info.Path)
	}
	d, err := readDevice(h.sysfsRoot(), info.Path, h.ttyDir())
	if err != nil {
		return sysDevice{}, fmt.Errorf("usbfs: %s %s left the bus (nothing at port %s now): %w; scan again", info.ID(), info.Path, info.Path, usb.ErrGone)
	}
	was, now := info.Descriptors.Device, d.info.Descriptors.Device
	sn0, sn1 := info.Descriptors.Serial(), d.info.Descriptors.Serial()
	if was.Vendor != now.Vendor || was.Product != now.Product || (sn0 != "" && sn1 != "" && sn0 != sn1) {
		return sysDevice{}, fmt.Errorf("usbfs: port %s now holds %s (was %s): %w; scan again and open the new device", info.Path, d.info, info, usb.ErrGone)
	}
	return d, nil
}
