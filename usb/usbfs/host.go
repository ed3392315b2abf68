package usbfs

import (
	"context"
	"errors"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// Transfer timeouts.
const (
	// DefaultTimeout bounds a transfer whose context has no deadline.
	DefaultTimeout = 5 * time.Second
	// MaxTimeout caps the timeout taken from a context deadline. It is
	// longer than the slowest STM32F4 mass erase (~32 s), during which the
	// ROM may hold a GETSTATUS.
	MaxTimeout = 2 * time.Minute
)

// ErrNotLinux is what Host answers on systems other than Linux.
var ErrNotLinux = errors.New("native USB is Linux-only for now; use simulated boards or a USB/IP server")

// Host is the usbfs backend. The zero value uses the system's paths; tests
// point the fields at fixture trees.
type Host struct {
	// SysfsRoot is the /sys/bus/usb/devices directory.
	SysfsRoot string
	// DevRoot is the /dev/bus/usb directory holding BBB/DDD nodes.
	DevRoot string
	// TTYDir is where tty nodes named in sysfs live (/dev).
	TTYDir string

	listings listings
}

var _ usb.Host = (*Host)(nil)

func (h *Host) sysfsRoot() string { return or(h.SysfsRoot, DefaultSysfsRoot) }
func (h *Host) ttyDir() string    { return or(h.TTYDir, DefaultTTYDir) }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Devices lists the USB devices present now (root hubs excepted), sorted by
// bus and port path, without opening any of them. Concurrent calls share
// scans of sysfs (each gets one that started after its call), and with
// them the maps and slices of their DeviceInfos: read them, do not change
// them.
func (h *Host) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	if !supported {
		return nil, ErrNotLinux
	}
	ds, err := h.listings.get(ctx, func() ([]sysDevice, error) {
		return scan(context.Background(), h.sysfsRoot(), h.ttyDir())
	})
	if err != nil {
		return nil, err
	}
	out := make([]usb.DeviceInfo, len(ds))
	for i, d := range ds {
		out[i] = d.info
	}
	return out, nil
}
