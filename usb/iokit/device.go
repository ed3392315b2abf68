package iokit

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

// ErrNoBulk: bulk and interrupt transfers are not done by this backend;
// a board's serial function is reached through its /dev/cu.* port.
var ErrNoBulk = errors.New("iokit: bulk and interrupt transfers are not supported; use the serial port (DeviceInfo.Ports)")

// Device is a device opened through IOKit.
type Device struct {
	info usb.DeviceInfo
	mu   sync.Mutex // one request at a time: abort ends the one in progress
	h    handle
	once sync.Once
}

var _ usb.Device = (*Device)(nil)

// Info describes the device as it was when opened.
func (d *Device) Info() usb.DeviceInfo { return d.info }

func timeout(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return DefaultTimeout
	}
	t := time.Until(dl).Round(time.Millisecond)
	return min(max(t, time.Millisecond), MaxTimeout)
}

// run performs one call under ctx; a context that ends first aborts the
// control request in progress (USBDeviceAbortPipeZero).
func (d *Device) run(ctx context.Context, op string, call func(time.Duration) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, translate(d.info, op, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := timeout(ctx)
	type result struct {
		n   int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		n, err := call(t)
		ch <- result{n, err}
	}()
	select {
	case r := <-ch:
		return r.n, translate(d.info, op, r.err)
	case <-ctx.Done():
		_ = d.h.abort()
		r := <-ch
		if r.err == nil {
			return r.n, nil
		}
		return r.n, translate(d.info, op, ctx.Err())
	}
}

// Control performs a control transfer on the default pipe (DeviceRequestTO).
func (d *Device) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	if int(s.Length) > len(data) {
		return 0, fmt.Errorf("iokit: control %s: wLength %d but a %d-byte buffer", s, s.Length, len(data))
	}
	return usb.Detached(s.In(), data[:s.Length], func(buf []byte) (int, error) {
		return d.run(ctx, "control "+s.String(), func(t time.Duration) (int, error) { return d.h.control(s, buf, t) })
	})
}

// Claim opens an interface for exclusive access (USBInterfaceOpen).
func (d *Device) Claim(ctx context.Context, iface uint8) error {
	_, err := d.run(ctx, fmt.Sprintf("claim interface %d", iface), func(time.Duration) (int, error) { return 0, d.h.claim(iface) })
	return err
}

// SetAlternate selects an alternate setting of a claimed interface
// (SetAlternateInterface).
func (d *Device) SetAlternate(ctx context.Context, iface, alt uint8) error {
	_, err := d.run(ctx, fmt.Sprintf("SET_INTERFACE %d alt %d", iface, alt), func(time.Duration) (int, error) { return 0, d.h.setAlternate(iface, alt) })
	return err
}

// Transfer answers ErrNoBulk.
func (d *Device) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	return 0, ErrNoBulk
}

// Close closes the interfaces and the device. Closing a device that left
// the bus succeeds.
func (d *Device) Close() error {
	var err error
	d.once.Do(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if e := translate(d.info, "close", d.h.close()); e != nil && !errors.Is(e, usb.ErrGone) {
			err = e
		}
	})
	return err
}
