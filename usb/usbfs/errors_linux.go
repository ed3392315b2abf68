//go:build linux

package usbfs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/softdfu/softdfu/udev"
	"github.com/softdfu/softdfu/usb"
)

// isGone reports errnos that mean the device left the bus: usbfs answers
// every ioctl on a disconnected device with ENODEV, and URBs killed by the
// disconnect end with ESHUTDOWN. (ENOENT from an ioctl means "no such
// interface or endpoint", not a disconnect.)
func isGone(err error) bool {
	return errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ESHUTDOWN)
}

// permissionHint says what to do about EACCES on a device node.
func permissionHint(info usb.DeviceInfo) string {
	v, p := fmt.Sprintf("%04x", info.Descriptors.Device.Vendor), fmt.Sprintf("%04x", info.Descriptors.Device.Product)
	rule, _, _ := strings.Cut(udev.Rule(v, p), "\n") // the uaccess line
	return fmt.Sprintf("a normal user needs a udev rule: add `%s` to %s (the rules softdfu udev-rules writes do), then unplug and replug the board", rule, udev.DefaultPath)
}

// openError maps the errno of opening a device node.
func openError(node string, info usb.DeviceInfo, err error) error {
	switch {
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		return fmt.Errorf("usbfs: opening %s (%s %s): %w; %s", node, info.ID(), info.Path, usb.ErrPermission, permissionHint(info))
	case isGone(err) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENXIO):
		return fmt.Errorf("usbfs: opening %s (%s %s): %w (it left the bus); scan again", node, info.ID(), info.Path, usb.ErrGone)
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("usbfs: opening %s (%s %s): %w: %v", node, info.ID(), info.Path, usb.ErrBusy, err)
	}
	return fmt.Errorf("usbfs: opening %s (%s %s): %w", node, info.ID(), info.Path, err)
}

// busyError explains which driver holds an interface.
func (d *Device) busyError(what, ifdir string) error {
	drv := driverOf(ifdir)
	var who string
	switch drv {
	case "usbfs":
		who = `held by another program through usbfs (driver "usbfs": dfu-util, another softdfu, ModemManager, ...); close it and retry`
	case "":
		who = "held by another user of the device"
	default:
		who = fmt.Sprintf("held by kernel driver %q, which could not be detached; unbind it (echo %s > /sys/bus/usb/drivers/%s/unbind) and retry", drv, filepath.Base(ifdir), drv)
	}
	return fmt.Errorf("usbfs: %s of %s %s: %w: %s", what, d.info.ID(), d.info.Path, usb.ErrBusy, who)
}

// errnoError maps the errno of an ioctl that is not a data transfer.
func (d *Device) errnoError(what string, err error, ifdir string) error {
	switch {
	case errors.Is(err, unix.EBUSY):
		return d.busyError(what, ifdir)
	case errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM):
		return fmt.Errorf("usbfs: %s of %s %s: %w; %s", what, d.info.ID(), d.info.Path, usb.ErrPermission, permissionHint(d.info))
	case isGone(err):
		return fmt.Errorf("usbfs: %s of %s %s: %w (it left the bus); scan again and reopen it", what, d.info.ID(), d.info.Path, usb.ErrGone)
	case errors.Is(err, unix.EPIPE):
		return fmt.Errorf("usbfs: %s of %s %s: %w", what, d.info.ID(), d.info.Path, usb.ErrStall)
	case errors.Is(err, unix.ENOENT):
		return fmt.Errorf("usbfs: %s of %s %s: no such interface or endpoint in the active configuration (%w)", what, d.info.ID(), d.info.Path, err)
	case errors.Is(err, unix.EHOSTUNREACH):
		return fmt.Errorf("usbfs: %s of %s %s: the device is not configured (%w); replug it", what, d.info.ID(), d.info.Path, err)
	case errors.Is(err, unix.EINVAL):
		return fmt.Errorf("usbfs: %s of %s %s: the kernel rejected the request (%w); is the interface or alternate setting in the device's descriptors?", what, d.info.ID(), d.info.Path, err)
	}
	return fmt.Errorf("usbfs: %s of %s %s: %w", what, d.info.ID(), d.info.Path, err)
}

// transferError maps the errno of a control or bulk transfer.
func (d *Device) transferError(what string, err error, tmo uint32, fromCtx bool) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("usbfs: %s of %s %s: %w (the transfer was discarded)", what, d.info.ID(), d.info.Path, err)
	case errors.Is(err, unix.ETIMEDOUT) || errors.Is(err, context.DeadlineExceeded):
		if fromCtx || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("usbfs: %s of %s %s: %w after %d ms (%w)", what, d.info.ID(), d.info.Path, usb.ErrTimeout, tmo, context.DeadlineExceeded)
		}
		return fmt.Errorf("usbfs: %s of %s %s: %w after %d ms", what, d.info.ID(), d.info.Path, usb.ErrTimeout, tmo)
	case isGone(err):
		return fmt.Errorf("usbfs: %s of %s %s: %w mid-transfer (unplugged, reset or re-enumerated); scan again and reopen it", what, d.info.ID(), d.info.Path, usb.ErrGone)
	case errors.Is(err, unix.EPROTO) || errors.Is(err, unix.EILSEQ) || errors.Is(err, unix.EOVERFLOW):
		return fmt.Errorf("usbfs: %s of %s %s: USB protocol error (%w); check the cable and hub, then retry", what, d.info.ID(), d.info.Path, err)
	}
	return d.errnoError(what, err, "")
}
