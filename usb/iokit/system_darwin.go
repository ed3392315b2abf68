//go:build darwin

package iokit

// The only code of this package that a real Mac alone can check. Every
// call cites its Apple reference page; the rest of the package is tested
// with a fake of the system interface. References:
//
//   IOKit:          https://developer.apple.com/documentation/iokit
//   IOUSBLib:       https://developer.apple.com/documentation/iokit/iousblib_h
//   CoreFoundation: https://developer.apple.com/documentation/corefoundation
//
// COM interfaces (IOCFPlugInInterface, IOUSBDeviceInterface182,
// IOUSBInterfaceInterface182) are pointers to a pointer to a table of
// function pointers: IUnknown's QueryInterface (1), AddRef (2), Release (3)
// after a reserved slot, then the interface's functions in the order of
// their declaration in IOUSBLib.h.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"

	"github.com/softdfu/softdfu/usb"
)

// Slots of IOUSBDeviceInterface182 (IOUSBLib.h, struct IOUSBDeviceStruct182).
const (
	devUSBDeviceOpen           = 8
	devUSBDeviceClose          = 9
	devCreateInterfaceIterator = 28
	devDeviceRequestTO         = 30
	devUSBDeviceAbortPipeZero  = 33
)

// Slots of IOUSBInterfaceInterface182 (struct IOUSBInterfaceStruct182).
const (
	itfUSBInterfaceOpen      = 8
	itfUSBInterfaceClose     = 9
	itfGetInterfaceNumber    = 17
	itfSetAlternateInterface = 22
)

const (
	comQueryInterface = 1
	comRelease        = 3
)

// UUIDs (IOUSBLib.h, IOCFPlugIn.h).
var (
	uuidDeviceUserClient    = [16]byte{0x9d, 0xc7, 0xb7, 0x80, 0x9e, 0xc0, 0x11, 0xd4, 0xa5, 0x4f, 0x00, 0x0a, 0x27, 0x05, 0x28, 0x61}
	uuidInterfaceUserClient = [16]byte{0x2d, 0x97, 0x86, 0xc6, 0x9e, 0xf3, 0x11, 0xd4, 0xad, 0x51, 0x00, 0x0a, 0x27, 0x05, 0x28, 0x61}
	uuidCFPlugIn            = [16]byte{0xc2, 0x44, 0xe8, 0x58, 0x10, 0x9c, 0x11, 0xd4, 0x91, 0xd4, 0x00, 0x50, 0xe4, 0xc6, 0x42, 0x6f}
	uuidDevice182           = [16]byte{0x15, 0x2f, 0xc4, 0x96, 0x48, 0x91, 0x11, 0xd5, 0x9d, 0x52, 0x00, 0x0a, 0x27, 0x80, 0x1e, 0x86}
	uuidInterface182        = [16]byte{0x49, 0x23, 0xac, 0x4c, 0x48, 0x96, 0x11, 0xd5, 0x92, 0x08, 0x00, 0x0a, 0x27, 0x80, 0x1e, 0x86}
)

const (
	kCFStringEncodingUTF8         = 0x08000100
	kCFNumberSInt64Type           = 4
	kIORegistryIterateRecursively = 1
	kIORegistryIterateParents     = 2
)

// fw holds the framework functions, resolved once.
type fw struct {
	fn map[string]uintptr
}

var (
	loadOnce sync.Once
	loaded   *fw
	loadErr  error
)

func osSystem() (system, error) {
	loadOnce.Do(func() { loaded, loadErr = loadFrameworks() })
	if loadErr != nil {
		return nil, loadErr
	}
	return darwinSystem{loaded}, nil
}

// loadFrameworks opens IOKit and CoreFoundation with dlopen (purego).
func loadFrameworks() (*fw, error) {
	f := &fw{fn: map[string]uintptr{}}
	for lib, names := range map[string][]string{
		"/System/Library/Frameworks/IOKit.framework/IOKit": {"IOServiceMatching", "IOServiceGetMatchingServices",
			"IOServiceGetMatchingService", "IOIteratorNext", "IOObjectRelease", "IORegistryEntryCreateCFProperty",
			"IORegistryEntrySearchCFProperty", "IORegistryEntryGetRegistryEntryID", "IORegistryEntryIDMatching",
			"IOCreatePlugInInterfaceForService", "IODestroyPlugInInterface"},
		"/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation": {"CFStringCreateWithCString", "CFRelease",
			"CFGetTypeID", "CFNumberGetTypeID", "CFStringGetTypeID", "CFNumberGetValue", "CFStringGetCString",
			"CFUUIDCreateFromUUIDBytes"},
	} {
		h, err := purego.Dlopen(lib, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			return nil, fmt.Errorf("iokit: loading %s: %w", lib, err)
		}
		for _, n := range names {
			p, err := purego.Dlsym(h, n)
			if err != nil {
				return nil, fmt.Errorf("iokit: %s has no %s: %w", lib, n, err)
			}
			f.fn[n] = p
		}
	}
	return f, nil
}

// call calls a framework function. Like syscall.SyscallN it takes
// pointers converted to uintptr in its argument list: go:uintptrescapes
// keeps what they point to on the heap and alive until the call returns.
//
//go:uintptrescapes
func (f *fw) call(name string, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(f.fn[name], args...)
	return r
}

// method calls slot i of a COM object's function table with the object
// as the first argument (see call for the uintptr arguments).
//
//go:uintptrescapes
func method(obj unsafe.Pointer, i int, args ...uintptr) uintptr {
	table := *(*unsafe.Pointer)(obj)
	fn := *(*uintptr)(unsafe.Add(table, i*int(unsafe.Sizeof(uintptr(0)))))
	r, _, _ := purego.SyscallN(fn, append([]uintptr{uintptr(obj)}, args...)...)
	return r
}

func ret(r uintptr) error {
	if code := ioReturn(uint32(r)); code != 0 {
		return code
	}
	return nil
}

// cstr is a NUL-terminated copy of s.
func cstr(s string) *byte { b := append([]byte(s), 0); return &b[0] }

// cfstring is CFStringCreateWithCString; the caller releases it (CFRelease).
func (f *fw) cfstring(s string) uintptr {
	return f.call("CFStringCreateWithCString", 0, uintptr(unsafe.Pointer(cstr(s))), kCFStringEncodingUTF8)
}

// value reads a CFNumber (CFNumberGetValue, as SInt64) or CFString
// (CFStringGetCString) and releases it.
func (f *fw) value(ref uintptr) (int64, string, bool) {
	if ref == 0 {
		return 0, "", false
	}
	defer f.call("CFRelease", ref)
	switch t := f.call("CFGetTypeID", ref); t {
	case f.call("CFNumberGetTypeID"):
		var v int64
		f.call("CFNumberGetValue", ref, kCFNumberSInt64Type, uintptr(unsafe.Pointer(&v)))
		return v, "", true
	case f.call("CFStringGetTypeID"):
		buf := make([]byte, 256)
		if f.call("CFStringGetCString", ref, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), kCFStringEncodingUTF8)&0xff == 0 {
			return 0, "", false
		}
		n := 0
		for n < len(buf) && buf[n] != 0 {
			n++
		}
		return 0, string(buf[:n]), true
	}
	return 0, "", false
}

// property is IORegistryEntryCreateCFProperty, or with parents
// IORegistryEntrySearchCFProperty in the IOService plane, up the tree.
func (f *fw) property(obj uint32, key string, parents bool) (int64, string, bool) {
	k := f.cfstring(key)
	defer f.call("CFRelease", k)
	if parents {
		return f.value(f.call("IORegistryEntrySearchCFProperty", uintptr(obj), uintptr(unsafe.Pointer(cstr("IOService"))), k, 0,
			kIORegistryIterateRecursively|kIORegistryIterateParents))
	}
	return f.value(f.call("IORegistryEntryCreateCFProperty", uintptr(obj), k, 0, 0))
}

// each calls fn for every service matching the class (IOServiceMatching,
// IOServiceGetMatchingServices, IOIteratorNext, IOObjectRelease).
func (f *fw) each(class string, fn func(obj uint32)) error {
	dict := f.call("IOServiceMatching", uintptr(unsafe.Pointer(cstr(class))))
	var it uint32
	if err := ret(f.call("IOServiceGetMatchingServices", 0, dict, uintptr(unsafe.Pointer(&it)))); err != nil {
		return err
	}
	defer f.call("IOObjectRelease", uintptr(it))
	for {
		obj := uint32(f.call("IOIteratorNext", uintptr(it)))
		if obj == 0 {
			return nil
		}
		fn(obj)
		f.call("IOObjectRelease", uintptr(obj))
	}
}

type darwinSystem struct{ f *fw }

func (s darwinSystem) devices() ([]entry, error) {
	var out []entry
	err := s.f.each("IOUSBHostDevice", func(obj uint32) {
		var e entry
		s.f.call("IORegistryEntryGetRegistryEntryID", uintptr(obj), uintptr(unsafe.Pointer(&e.ID)))
		v, _, ok1 := s.f.property(obj, "idVendor", false)
		p, _, ok2 := s.f.property(obj, "idProduct", false)
		l, _, ok3 := s.f.property(obj, "locationID", false)
		if !ok1 || !ok2 || !ok3 {
			return
		}
		e.VID, e.PID, e.LocationID = uint16(v), uint16(p), uint32(l)
		_, e.Serial, _ = s.f.property(obj, "USB Serial Number", false)
		out = append(out, e)
	})
	return out, err
}

func (s darwinSystem) serialPorts() ([]serialPort, error) {
	var out []serialPort
	err := s.f.each("IOSerialBSDClient", func(obj uint32) {
		_, name, ok := s.f.property(obj, "IOCalloutDevice", false)
		v, _, ok1 := s.f.property(obj, "idVendor", true)
		p, _, ok2 := s.f.property(obj, "idProduct", true)
		if !ok || !ok1 || !ok2 {
			return
		}
		l, _, _ := s.f.property(obj, "locationID", true)
		_, sn, _ := s.f.property(obj, "USB Serial Number", true)
		out = append(out, serialPort{Name: name, VID: uint16(v), PID: uint16(p), Serial: sn, LocationID: uint32(l)})
	})
	return out, err
}

// uuid is CFUUIDCreateFromUUIDBytes; the 16-byte CFUUIDBytes structure
// passed by value takes two registers on arm64 and amd64.
func (f *fw) uuid(b [16]byte) uintptr {
	lo, hi := binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
	return f.call("CFUUIDCreateFromUUIDBytes", 0, uintptr(lo), uintptr(hi))
}

// queryInterface creates the plug-in for a service
// (IOCreatePlugInInterfaceForService), asks it for the interface iid
// (QueryInterface, REFIID by value in two registers) and destroys the
// plug-in (IODestroyPlugInInterface).
func (f *fw) queryInterface(service uint32, pluginType, iid [16]byte) (unsafe.Pointer, error) {
	pt, it := f.uuid(pluginType), f.uuid(uuidCFPlugIn)
	defer f.call("CFRelease", pt)
	defer f.call("CFRelease", it)
	var plugin unsafe.Pointer
	var score int32
	if err := ret(f.call("IOCreatePlugInInterfaceForService", uintptr(service), pt, it, uintptr(unsafe.Pointer(&plugin)), uintptr(unsafe.Pointer(&score)))); err != nil {
		return nil, err
	}
	if plugin == nil {
		return nil, kIOReturnNoDevice
	}
	defer f.call("IODestroyPlugInInterface", uintptr(plugin))
	var obj unsafe.Pointer
	lo, hi := binary.LittleEndian.Uint64(iid[:8]), binary.LittleEndian.Uint64(iid[8:])
	if r := method(plugin, comQueryInterface, uintptr(lo), uintptr(hi), uintptr(unsafe.Pointer(&obj))); r != 0 || obj == nil {
		return nil, fmt.Errorf("QueryInterface: HRESULT 0x%08x", uint32(r))
	}
	return obj, nil
}

// open finds the device by registry entry ID (IORegistryEntryIDMatching,
// IOServiceGetMatchingService) and gets its IOUSBDeviceInterface182.
func (s darwinSystem) open(e entry) (handle, error) {
	svc := uint32(s.f.call("IOServiceGetMatchingService", 0, s.f.call("IORegistryEntryIDMatching", uintptr(e.ID))))
	if svc == 0 {
		return nil, kIOReturnNoDevice
	}
	defer s.f.call("IOObjectRelease", uintptr(svc))
	dev, err := s.f.queryInterface(svc, uuidDeviceUserClient, uuidDevice182)
	if err != nil {
		return nil, err
	}
	return &darwinHandle{f: s.f, dev: dev, itfs: map[uint8]unsafe.Pointer{}}, nil
}

type darwinHandle struct {
	f      *fw
	dev    unsafe.Pointer
	opened bool
	itfs   map[uint8]unsafe.Pointer
}

// devRequestTO is IOUSBDevRequestTO (IOUSBLib.h): the setup fields in
// host order, the buffer, the length done and two timeouts in ms.
type devRequestTO struct {
	RequestType, Request uint8
	Value, Index, Length uint16
	Data                 unsafe.Pointer
	Done                 uint32
	NoDataTimeout        uint32
	CompletionTimeout    uint32
}

func (h *darwinHandle) control(s usb.Setup, data []byte, t time.Duration) (int, error) {
	ms := uint32(max(t.Milliseconds(), 1))
	req := devRequestTO{RequestType: s.RequestType, Request: s.Request, Value: s.Value, Index: s.Index, Length: s.Length,
		NoDataTimeout: ms, CompletionTimeout: ms}
	if len(data) > 0 {
		req.Data = unsafe.Pointer(&data[0])
	}
	err := ret(method(h.dev, devDeviceRequestTO, uintptr(unsafe.Pointer(&req))))
	return int(req.Done), err
}

func (h *darwinHandle) exclusive() error {
	if err := ret(method(h.dev, devUSBDeviceOpen)); err != nil {
		return err
	}
	h.opened = true
	return nil
}

// claim walks the device's interfaces (CreateInterfaceIterator with
// kIOUSBFindInterfaceDontCare everywhere), takes the one whose
// GetInterfaceNumber is iface and opens it (USBInterfaceOpen).
func (h *darwinHandle) claim(iface uint8) error {
	if h.itfs[iface] != nil {
		return nil
	}
	find := [4]uint16{0xffff, 0xffff, 0xffff, 0xffff}
	var it uint32
	if err := ret(method(h.dev, devCreateInterfaceIterator, uintptr(unsafe.Pointer(&find)), uintptr(unsafe.Pointer(&it)))); err != nil {
		return err
	}
	defer h.f.call("IOObjectRelease", uintptr(it))
	for {
		svc := uint32(h.f.call("IOIteratorNext", uintptr(it)))
		if svc == 0 {
			return fmt.Errorf("interface %d: %w", iface, kIOReturnNoDevice)
		}
		itf, err := h.f.queryInterface(svc, uuidInterfaceUserClient, uuidInterface182)
		h.f.call("IOObjectRelease", uintptr(svc))
		if err != nil {
			continue
		}
		var n uint8
		method(itf, itfGetInterfaceNumber, uintptr(unsafe.Pointer(&n)))
		if n != iface {
			method(itf, comRelease)
			continue
		}
		if err := ret(method(itf, itfUSBInterfaceOpen)); err != nil {
			method(itf, comRelease)
			return err
		}
		h.itfs[iface] = itf
		return nil
	}
}

func (h *darwinHandle) setAlternate(iface, alt uint8) error {
	itf := h.itfs[iface]
	if itf == nil {
		return errors.New("interface not claimed")
	}
	return ret(method(itf, itfSetAlternateInterface, uintptr(alt)))
}

func (h *darwinHandle) abort() error { return ret(method(h.dev, devUSBDeviceAbortPipeZero)) }

func (h *darwinHandle) close() error {
	for n, itf := range h.itfs {
		method(itf, itfUSBInterfaceClose)
		method(itf, comRelease)
		delete(h.itfs, n)
	}
	var err error
	if h.opened {
		err = ret(method(h.dev, devUSBDeviceClose))
	}
	method(h.dev, comRelease)
	return err
}
