package winusb

import (
	"context"
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
	// longer than the slowest STM32F4 mass erase (~32 s), during which the
	// ROM may hold a GETSTATUS.
	MaxTimeout = 2 * time.Minute
)

// Device is a device opened through WinUSB.
type Device struct {
	info usb.DeviceInfo
	mu   sync.Mutex // one transfer at a time: cancel ends all of them
	h    handle
	once sync.Once
}

var _ usb.Device = (*Device)(nil)

// Info describes the device as it was when opened.
func (d *Device) Info() usb.DeviceInfo { return d.info }

// timeout is the pipe timeout for a transfer under ctx: the time to the
// deadline rounded up to a millisecond (WinUSB's unit, where 0 would mean
// no timeout), at most MaxTimeout, else DefaultTimeout.
func timeout(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return DefaultTimeout
	}
	t := time.Until(dl).Round(time.Millisecond)
	return min(max(t, time.Millisecond), MaxTimeout)
}

// run performs one call on the handle under ctx. A context that can end
// runs the call beside a watcher that cancels the handle's I/O when the
// context ends first; the call's error then reports the context's.
func (d *Device) run(ctx context.Context, op string, call func(time.Duration) (int, error)) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, translate(d.info, op, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := timeout(ctx)
	if ctx.Done() == nil {
		n, err := call(t)
		return n, translate(d.info, op, err)
	}
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
		_ = d.h.cancel()
		r := <-ch
		if r.err == nil {
			return r.n, nil
		}
		return r.n, translate(d.info, op, ctx.Err())
	}
}

// Control performs a control transfer on the default pipe. A standard
// GET_DESCRIPTOR to the device goes through WinUsb_GetDescriptor, the
// rest through WinUsb_ControlTransfer.
func (d *Device) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	if int(s.Length) > len(data) {
		return 0, fmt.Errorf("winusb: control %s: wLength %d but a %d-byte buffer", s, s.Length, len(data))
	}
	return usb.Detached(s.In(), data[:s.Length], func(buf []byte) (int, error) {
		if s.RequestType == usb.DirIn|usb.TypeStandard|usb.RecipientDevice && s.Request == usb.ReqGetDescriptor {
			return d.run(ctx, "GET_DESCRIPTOR", func(time.Duration) (int, error) {
				return d.h.descriptor(uint8(s.Value>>8), uint8(s.Value), s.Index, buf)
			})
		}
		return d.run(ctx, "control "+s.String(), func(t time.Duration) (int, error) {
			return d.h.control(s, buf, t)
		})
	})
}

// Claim checks that iface is the first interface: WinUSB opens the
// interface it is bound to (the whole device, for the ROM bootloader),
// and WinUsb_Initialize has claimed it.
func (d *Device) Claim(ctx context.Context, iface uint8) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if first := d.firstInterface(); iface != first {
		return fmt.Errorf("winusb: %s: interface %d is not the one WinUSB is bound to (%d); other interfaces of a composite device need WinUSB bound to them", d.info.ID(), iface, first)
	}
	return nil
}

func (d *Device) firstInterface() uint8 {
	if cs := d.info.Descriptors.Configs; len(cs) > 0 && len(cs[0].Interfaces) > 0 {
		return cs[0].Interfaces[0].Number
	}
	return 0
}

// SetAlternate selects an alternate setting (WinUsb_SetCurrentAlternateSetting).
func (d *Device) SetAlternate(ctx context.Context, iface, alt uint8) error {
	if err := d.Claim(ctx, iface); err != nil {
		return err
	}
	_, err := d.run(ctx, fmt.Sprintf("SET_INTERFACE %d alt %d", iface, alt), func(time.Duration) (int, error) {
		return 0, d.h.setAlternate(alt)
	})
	return err
}

// Transfer performs a bulk or interrupt transfer (WinUsb_ReadPipe or
// WinUsb_WritePipe).
func (d *Device) Transfer(ctx context.Context, ep uint8, data []byte) (int, error) {
	return usb.Detached(ep&0x80 != 0, data, func(buf []byte) (int, error) {
		return d.run(ctx, fmt.Sprintf("transfer on endpoint %#02x", ep), func(t time.Duration) (int, error) {
			return d.h.transfer(ep, buf, t)
		})
	})
}

// Close frees the WinUSB handle and closes the device file. Closing a
// device that left the bus succeeds.
func (d *Device) Close() error {
	var err error
	d.once.Do(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if e := translate(d.info, "close", d.h.close()); e != nil && !isGone(e) {
			err = e
		}
	})
	return err
}
