//go:build darwin || windows || (linux && libusb)

package libusb

// The only code of this package that needs libusb itself; the rest is
// tested with a fake of the lib interface. Every call is documented in the
// libusb-1.0 API reference, https://libusb.sourceforge.io/api-1.0/ (the
// libusb_* functions of "Device handling and enumeration", "Synchronous
// device I/O" and "Library initialization/deinitialization").

import (
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/softdfu/softdfu/usb"
)

// dynlib is libusb loaded at run time: its functions' addresses and the
// system's way of calling a C function (cdecl; libusb's LIBUSB_CALL is
// WINAPI, the same on 64-bit Windows).
//
// Every device list comes from a fresh libusb_context (libusb_init), which
// scans the system's devices, and the context ends (libusb_exit) when the
// list is freed and the handles opened from it are closed. A long-lived
// context would see new devices only through hotplug events, which a
// libusb built for udev gets from udevd alone: without one (a container,
// a small VM) a board that re-enumerated would never show up.
type dynlib struct {
	fn   map[string]uintptr
	call func(fn uintptr, args ...uintptr) uintptr

	mu   sync.Mutex
	devs map[uintptr]*libctx // devices of live lists
	hs   map[uintptr]*libctx // open handles
}

// libctx is a libusb_context and the number of lists and handles using it.
type libctx struct {
	p    uintptr
	refs int
}

// unref drops one use of c, ending it with the last; l.mu is held.
func (l *dynlib) unref(c *libctx) {
	c.refs--
	if c.refs == 0 {
		l.c("libusb_exit", c.p)
	}
}

// functions lists every libusb function the backend calls.
var functions = []string{
	"libusb_init", "libusb_exit", "libusb_get_device_list", "libusb_free_device_list", "libusb_get_device_descriptor",
	"libusb_get_bus_number", "libusb_get_port_numbers", "libusb_get_device_address", "libusb_open", "libusb_close",
	"libusb_control_transfer", "libusb_set_auto_detach_kernel_driver", "libusb_claim_interface",
	"libusb_release_interface", "libusb_set_interface_alt_setting", "libusb_bulk_transfer", "libusb_interrupt_transfer",
}

// newDynlib resolves the functions with sym and checks that libusb_init
// works.
func newDynlib(sym func(string) (uintptr, error), call func(uintptr, ...uintptr) uintptr) (*dynlib, error) {
	l := &dynlib{fn: map[string]uintptr{}, call: call, devs: map[uintptr]*libctx{}, hs: map[uintptr]*libctx{}}
	for _, name := range functions {
		p, err := sym(name)
		if err != nil || p == 0 {
			return nil, fmt.Errorf("libusb: the library has no %s (%v): it is older than libusb 1.0.16; install a newer one", name, err)
		}
		l.fn[name] = p
	}
	var ctx uintptr
	if r := l.int("libusb_init", uintptr(unsafe.Pointer(&ctx))); r < 0 {
		return nil, fmt.Errorf("libusb: libusb_init: %w", code(r))
	}
	l.c("libusb_exit", ctx)
	return l, nil
}

// c calls a libusb function. Like syscall.SyscallN it takes pointers
// converted to uintptr in its argument list: go:uintptrescapes keeps what
// they point to on the heap and alive until the call returns.
//
//go:uintptrescapes
func (l *dynlib) c(name string, args ...uintptr) uintptr {
	return l.call(l.fn[name], args...)
}

// int calls a function that returns a C int (see c).
//
//go:uintptrescapes
func (l *dynlib) int(name string, args ...uintptr) int {
	return int(int32(l.call(l.fn[name], args...)))
}

func (l *dynlib) devices() ([]uintptr, func(), error) {
	var p uintptr
	if r := l.int("libusb_init", uintptr(unsafe.Pointer(&p))); r < 0 {
		return nil, nil, fmt.Errorf("libusb_init: %w", code(r))
	}
	c := &libctx{p: p, refs: 1}
	var list *uintptr // libusb_device **, filled by libusb
	n := int(int64(l.c("libusb_get_device_list", p, uintptr(unsafe.Pointer(&list)))))
	if n < 0 {
		l.c("libusb_exit", p)
		return nil, nil, code(n)
	}
	devs := append([]uintptr(nil), unsafe.Slice(list, n)...)
	l.mu.Lock()
	for _, d := range devs {
		l.devs[d] = c
	}
	l.mu.Unlock()
	free := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, d := range devs {
			delete(l.devs, d)
		}
		l.c("libusb_free_device_list", uintptr(unsafe.Pointer(list)), 1)
		l.unref(c)
	}
	return devs, free, nil
}

// describe reads struct libusb_device_descriptor, whose layout is the
// descriptor's on the wire with fields in host byte order (little-endian
// on every system softdfu builds this for).
func (l *dynlib) describe(dev uintptr) (usb.DeviceDescriptor, uint8, []uint8, uint8, error) {
	var raw [18]byte
	if r := l.int("libusb_get_device_descriptor", dev, uintptr(unsafe.Pointer(&raw[0]))); r < 0 {
		return usb.DeviceDescriptor{}, 0, nil, 0, code(r)
	}
	desc, err := usb.ParseDeviceDescriptor(raw[:])
	if err != nil {
		return desc, 0, nil, 0, err
	}
	bus := uint8(l.c("libusb_get_bus_number", dev))
	var ports [8]uint8 // USB 3.0 allows 7 tiers
	n := l.int("libusb_get_port_numbers", dev, uintptr(unsafe.Pointer(&ports[0])), uintptr(len(ports)))
	if n < 0 {
		return desc, bus, nil, 0, code(n)
	}
	addr := uint8(l.c("libusb_get_device_address", dev))
	return desc, bus, append([]uint8(nil), ports[:n]...), addr, nil
}

func (l *dynlib) open(dev uintptr) (uintptr, error) {
	var h uintptr
	if r := l.int("libusb_open", dev, uintptr(unsafe.Pointer(&h))); r < 0 {
		return 0, code(r)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.devs[dev]; c != nil {
		c.refs++
		l.hs[h] = c
	}
	return h, nil
}

func (l *dynlib) close(h uintptr) {
	l.c("libusb_close", h)
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.hs[h]; c != nil {
		delete(l.hs, h)
		l.unref(c)
	}
}

func ms(t time.Duration) uintptr { return uintptr(max(t.Milliseconds(), 1)) }

func ptr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

func (l *dynlib) control(h uintptr, s usb.Setup, data []byte, t time.Duration) (int, error) {
	r := l.int("libusb_control_transfer", h, uintptr(s.RequestType), uintptr(s.Request), uintptr(s.Value), uintptr(s.Index),
		ptr(data), uintptr(s.Length), ms(t))
	if r < 0 {
		return 0, code(r)
	}
	return r, nil
}

func (l *dynlib) claim(h uintptr, iface uint8) error {
	// Not supported on Windows and macOS (LIBUSB_ERROR_NOT_SUPPORTED): no
	// kernel driver to detach there.
	l.int("libusb_set_auto_detach_kernel_driver", h, 1)
	return check(l.int("libusb_claim_interface", h, uintptr(iface)))
}

func (l *dynlib) release(h uintptr, iface uint8) error {
	return check(l.int("libusb_release_interface", h, uintptr(iface)))
}

func (l *dynlib) setAlt(h uintptr, iface, alt uint8) error {
	return check(l.int("libusb_set_interface_alt_setting", h, uintptr(iface), uintptr(alt)))
}

func (l *dynlib) transfer(h uintptr, ep uint8, interrupt bool, data []byte, t time.Duration) (int, error) {
	name := "libusb_bulk_transfer"
	if interrupt {
		name = "libusb_interrupt_transfer"
	}
	var n int32
	r := l.int(name, h, uintptr(ep), ptr(data), uintptr(len(data)), uintptr(unsafe.Pointer(&n)), ms(t))
	if r < 0 && !(r == int(errTimeout) && n > 0) {
		return int(n), code(r)
	}
	return int(n), nil
}

// check turns a libusb return value into an error: negative is a code.
func check(r int) error {
	if r < 0 {
		return code(r)
	}
	return nil
}
