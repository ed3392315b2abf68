package libusb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// Transfer timeouts.
const (
	// DefaultTimeout bounds a transfer whose context has no deadline.
	DefaultTimeout = 5 * time.Second
	// MaxTimeout caps the timeout taken from a context deadline; it is
	// longer than the slowest STM32F4 mass erase (~32 s).
	MaxTimeout = 2 * time.Minute
)

// Device is a device opened through libusb.
type Device struct {
	l    lib
	info usb.DeviceInfo

	mu      sync.Mutex // one libusb call at a time on the handle
	h       uintptr
	claimed map[uint8]bool
	closed  bool
}

var _ usb.Device = (*Device)(nil)

// Info describes the device as it was when opened.
func (d *Device) Info() usb.DeviceInfo { return d.info }

// timeout is the libusb timeout for a transfer under ctx: the time to the
// deadline rounded up to a millisecond (0 would mean none), at most
// MaxTimeout, else DefaultTimeout.
func timeout(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return DefaultTimeout
	}
	t := time.Until(dl).Round(time.Millisecond)
	return min(max(t, time.Millisecond), MaxTimeout)
}

var errClosed = errors.New("libusb: device closed")

// run performs one synchronous libusb call under ctx. libusb cannot
// interrupt a synchronous transfer: when ctx ends first, run returns the
// context's error at once, and the call finishes within its timeout in the
// background, before the next call on the device starts.
func (d *Device) run(ctx context.Context, op string, call func(h uintptr, t time.Duration) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, translate(d.info, op, err)
	}
	t := timeout(ctx)
	type result struct {
		n   int
		err error
	}
	ch := make(chan result, 1)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return 0, errClosed
	}
	go func() {
		defer d.mu.Unlock()
		n, err := call(d.h, t)
		ch <- result{n, err}
	}()
	select {
	case r := <-ch:
		return r.n, translate(d.info, op, r.err)
	case <-ctx.Done():
		return 0, translate(d.info, op, ctx.Err())
	}
}

// Control performs a control transfer on endpoint 0.
func (d *Device) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	if int(s.Length) > len(data) {
		return 0, fmt.Errorf("libusb: control %s: wLength %d but a %d-byte buffer", s, s.Length, len(data))
	}
	return usb.Detached(s.In(), data[:s.Length], func(buf []byte) (int, error) {
		return d.run(ctx, "control "+s.String(), func(h uintptr, t time.Duration) (int, error) {
			return d.l.control(h, s, buf, t)
		})
	})
}

// Claim claims an interface, detaching a kernel driver where libusb can.
func (d *Device) Claim(ctx context.Context, iface uint8) error {
	_, err := d.run(ctx, fmt.Sprintf("claim interface %d", iface), func(h uintptr, _ time.Duration) (int, error) {
		if d.claimed[iface] {
			return 0, nil
		}
		err := d.l.claim(h, iface)
		if err == nil {
			d.claimed[iface] = true
		}
		return 0, err
	})
	return err
}

// SetAlternate selects an alternate setting of a claimed interface.
func (d *Device) SetAlternate(ctx context.Context, iface, alt uint8) error {
	_, err := d.run(ctx, fmt.Sprintf("SET_INTERFACE %d alt %d", iface, alt), func(h uintptr, _ time.Duration) (int, error) {
		return 0, d.l.setAlt(h, iface, alt)
	})
	return err
}

// Transfer performs a bulk or interrupt transfer, by the endpoint's type
// in the configuration descriptor.
func (d *Device) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	interrupt := false
	for _, c := range d.info.Descriptors.Configs {
		for _, itf := range c.Interfaces {
			for _, e := range itf.Endpoints {
				if e.Address == ep && e.Attributes&3 == usb.TransferInterrupt {
					interrupt = true
				}
			}
		}
	}
	return usb.Detached(ep&0x80 != 0, data, func(buf []byte) (int, error) {
		return d.run(ctx, fmt.Sprintf("transfer on endpoint %#02x", ep), func(h uintptr, t time.Duration) (int, error) {
			return d.l.transfer(h, ep, interrupt, buf, t)
		})
	})
}

// Close releases the claimed interfaces (libusb re-attaches the kernel
// drivers it detached) and closes the handle. A device that left the bus
// closes cleanly.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	for iface := range d.claimed {
		_ = d.l.release(d.h, iface)
	}
	d.l.close(d.h)
	return nil
}
