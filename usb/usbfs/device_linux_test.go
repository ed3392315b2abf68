//go:build linux

package usbfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/softdfu/softdfu/usb"
)

// fakeKernel stands in for the usbfs ioctls: it records each request with
// its decoded argument and answers with canned data or errnos.
type fakeKernel struct {
	mu    sync.Mutex
	calls []string
	errs  map[uintptr]error // errno per request
	wrap  map[uintptr]error // errno per request wrapped in USBDEVFS_IOCTL
	urbs  map[uint8]error   // errno of control or bulk URBs, by URB type
	in    []byte            // data an IN transfer returns
	out   []byte            // data the last OUT transfer carried

	// Asynchronous URBs. Completions are announced by writing a byte to
	// notify (the Device polls the read end for POLLIN).
	notify    int
	hang      bool // URBs stay in flight until discarded
	inflight  []*urb
	completed []*urb
	onSubmit  func()
	status    int32 // URB status to complete with, if not 0
}

// complete finishes an URB: the data and status are written when it is
// reaped, as the kernel does. k.mu held.
func (k *fakeKernel) complete(u *urb, status int32) {
	u.Status = status
	k.completed = append(k.completed, u)
	unix.Write(k.notify, []byte{1})
}

func (k *fakeKernel) ioctl(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	switch req {
	case usbdevfsClaimInterface:
		k.calls = append(k.calls, fmt.Sprintf("claim %d", *(*uint32)(arg)))
	case usbdevfsReleaseInterface:
		k.calls = append(k.calls, fmt.Sprintf("release %d", *(*uint32)(arg)))
	case usbdevfsSetInterface:
		s := (*setInterface)(arg)
		k.calls = append(k.calls, fmt.Sprintf("setinterface %d %d", s.Interface, s.AltSetting))
	case usbdevfsClearHalt:
		k.calls = append(k.calls, fmt.Sprintf("clearhalt %02x", *(*uint32)(arg)))
	case usbdevfsGetCapabilities:
		*(*uint32)(arg) = CapZeroPacket | CapBulkContinuation
		k.calls = append(k.calls, "capabilities")
	case usbdevfsReset:
		k.calls = append(k.calls, "reset")
	case usbdevfsIoctl:
		a := (*ioctlArg)(arg)
		name := map[int32]string{int32(usbdevfsDisconnect): "disconnect", int32(usbdevfsConnect): "connect"}[a.IoctlCode]
		k.calls = append(k.calls, fmt.Sprintf("ioctl %s %d", name, a.Ifno))
		if err := k.wrap[uintptr(a.IoctlCode)]; err != nil {
			return -1, err
		}
	case usbdevfsSubmitURB:
		u := (*urb)(arg)
		buf := unsafe.Slice((*byte)(u.Buffer), u.BufferLength)
		if u.Type == urbTypeControl {
			k.calls = append(k.calls, fmt.Sprintf("urb control % x", buf[:8]))
		} else {
			k.calls = append(k.calls, fmt.Sprintf("urb %d %02x %d", u.Type, u.Endpoint, u.BufferLength))
		}
		if err := k.errs[req]; err != nil {
			return -1, err
		}
		// Errors the kernel finds before queueing the URB.
		if e := k.urbs[u.Type]; e == unix.ENOENT || e == unix.EINVAL || e == unix.EACCES || e == unix.EHOSTUNREACH {
			return -1, e
		}
		in := u.Endpoint&0x80 != 0
		data := buf
		if u.Type == urbTypeControl {
			in, data = buf[0]&0x80 != 0, buf[8:]
		}
		if !in {
			k.out = append([]byte(nil), data...)
		}
		if k.onSubmit != nil {
			k.onSubmit()
		}
		if k.hang {
			k.inflight = append(k.inflight, u)
			return 0, nil
		}
		var st int32
		if e, ok := k.urbs[u.Type].(unix.Errno); ok {
			st = -int32(e)
		}
		if k.status != 0 {
			st = k.status
		}
		u.ActualLength = int32(len(data))
		if in {
			u.ActualLength = int32(min(len(data), len(k.in)))
		}
		k.complete(u, st)
		return 0, nil
	case usbdevfsReapURBNDelay:
		if err := k.errs[req]; err != nil {
			return -1, err
		}
		if len(k.completed) == 0 {
			var b [64]byte
			unix.Read(k.notify, b[:]) // not blocking: the fd is O_NONBLOCK
			return -1, unix.EAGAIN
		}
		u := k.completed[0]
		k.completed = k.completed[1:]
		if u.Status == 0 {
			buf := unsafe.Slice((*byte)(u.Buffer), u.BufferLength)
			if u.Type == urbTypeControl && buf[0]&0x80 != 0 {
				copy(buf[8:], k.in)
			} else if u.Type != urbTypeControl && u.Endpoint&0x80 != 0 {
				copy(buf, k.in)
			}
		}
		*(*uintptr)(arg) = uintptr(unsafe.Pointer(u))
		k.calls = append(k.calls, fmt.Sprintf("reap %d", u.Status))
		return 0, nil
	case usbdevfsDiscardURB:
		k.calls = append(k.calls, "discard")
		for i, u := range k.inflight {
			if u == (*urb)(arg) {
				k.inflight = append(k.inflight[:i], k.inflight[i+1:]...)
				k.complete(u, -int32(unix.ENOENT))
				return 0, nil
			}
		}
		return -1, unix.EINVAL
	default:
		k.calls = append(k.calls, fmt.Sprintf("unknown %#x", req))
		return -1, unix.ENOTTY
	}
	if err := k.errs[req]; err != nil {
		return -1, err
	}
	return n, nil
}

// openFake opens the device at port of a fixture tree with a fake kernel.
func openFake(t *testing.T, root, port string) (*Device, *fakeKernel) {
	t.Helper()
	d, err := readDevice(root, port, "/dev")
	if err != nil {
		t.Fatal(err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	k := &fakeKernel{errs: map[uintptr]error{}, wrap: map[uintptr]error{}, urbs: map[uint8]error{}, notify: p[1]}
	t.Cleanup(func() { unix.Close(p[1]) })
	dev := newDevice(p[0], "/dev/bus/usb/001/006", d, k.ioctl)
	dev.pollEvents = unix.POLLIN
	return dev, k
}

func TestControl(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	ctx := context.Background()
	// GETSTATUS: IN, 6 bytes.
	k.in = []byte{0, 100, 0, 0, 2, 0}
	buf := make([]byte, 6)
	n, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), buf)
	if err != nil || n != 6 || buf[4] != 2 {
		t.Fatalf("GETSTATUS: n=%d err=%v buf=% x", n, err, buf)
	}
	// DNLOAD Set Address: OUT, 5 bytes.
	payload := []byte{0x21, 0, 0, 0, 8}
	n, err = dev.Control(ctx, usb.ClassInterfaceOut(1, 0, 0, 5), payload)
	if err != nil || n != 5 || string(k.out) != string(payload) {
		t.Fatalf("DNLOAD: n=%d err=%v out=% x", n, err, k.out)
	}
	// Zero-length DNLOAD (leave).
	if _, err := dev.Control(ctx, usb.ClassInterfaceOut(1, 2, 0, 0), nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"urb control a1 03 00 00 00 00 06 00", "reap 0", "urb control 21 01 00 00 00 00 05 00", "reap 0", "urb control 21 01 02 00 00 00 00 00", "reap 0"}
	if !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
	if _, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 5)); err == nil || !strings.Contains(err.Error(), "shorter than wLength 6") {
		t.Errorf("short buffer: %v", err)
	}
	if _, err := dev.Control(ctx, usb.ClassInterfaceIn(2, 0, 0, 8192), make([]byte, 8192)); err == nil || !strings.Contains(err.Error(), "wLength 8192 is more than usbfs allows") {
		t.Errorf("long control: %v", err)
	}
}

func TestTransfer(t *testing.T) {
	dev, k := openFake(t, appTree, "1-1.2")
	defer dev.Close()
	k.in = []byte("hello")
	buf := make([]byte, 64)
	n, err := dev.Transfer(context.Background(), 0x82, buf)
	if err != nil || n != 5 || string(buf[:n]) != "hello" {
		t.Fatalf("IN: %d %v %q", n, err, buf[:n])
	}
	n, err = dev.Transfer(context.Background(), 0x02, []byte("abc"))
	if err != nil || n != 3 || string(k.out) != "abc" {
		t.Fatalf("OUT: %d %v %q", n, err, k.out)
	}
	if want := []string{"urb 3 82 64", "reap 0", "urb 3 02 3", "reap 0"}; !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
}

func TestTransferErrors(t *testing.T) {
	tests := []struct {
		errno    error
		deadline bool
		want     []error
		text     string
	}{
		{unix.EPIPE, false, []error{usb.ErrStall}, "stalled"},
		{unix.ENODEV, false, []error{usb.ErrGone}, "mid-transfer"},
		{unix.ESHUTDOWN, false, []error{usb.ErrGone}, "scan again"},
		{unix.ETIMEDOUT, false, []error{usb.ErrTimeout}, "after 5000 ms"},
		{unix.ETIMEDOUT, true, []error{usb.ErrTimeout, context.DeadlineExceeded}, "timed out"},
		{unix.EACCES, false, []error{usb.ErrPermission}, `ATTR{idVendor}=="0483", ATTR{idProduct}=="df11", TAG+="uaccess"`},
		{unix.EPROTO, false, []error{unix.EPROTO}, "check the cable"},
		{unix.EINVAL, false, []error{unix.EINVAL}, "rejected"},
		{unix.ENOENT, false, []error{unix.ENOENT}, "no such interface or endpoint"},
		{unix.EHOSTUNREACH, false, []error{unix.EHOSTUNREACH}, "not configured"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%v", tt.errno, tt.deadline), func(t *testing.T) {
			dev, k := openFake(t, romTree, "1-1.2")
			defer dev.Close()
			k.urbs[urbTypeControl] = tt.errno
			k.urbs[urbTypeBulk] = tt.errno
			ctx := context.Background()
			if tt.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Minute)
				defer cancel()
			}
			_, err1 := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
			_, err2 := dev.Transfer(ctx, 0x81, make([]byte, 8))
			for _, err := range []error{err1, err2} {
				for _, w := range tt.want {
					if !errors.Is(err, w) {
						t.Errorf("%v is not %v", err, w)
					}
				}
				if !reflect.DeepEqual(tt.want, []error{usb.ErrGone}) && errors.Is(err, usb.ErrGone) {
					t.Errorf("%v must not be ErrGone", err)
				}
				if err == nil || !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), "0483:df11 1-1.2") {
					t.Errorf("error %v lacks %q or the device", err, tt.text)
				}
			}
		})
	}
}

func TestClaimDetachesKernelDriver(t *testing.T) {
	dev, k := openFake(t, appTree, "1-1.2")
	ctx := context.Background()
	if err := dev.Claim(ctx, 0); err != nil { // cdc_acm bound
		t.Fatal(err)
	}
	if err := dev.Claim(ctx, 0); err != nil { // already ours: no ioctl
		t.Fatal(err)
	}
	if err := dev.SetAlternate(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	if err := dev.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	want := []string{"ioctl disconnect 0", "claim 0", "setinterface 0 0", "release 0", "ioctl connect 0"}
	if !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
	if _, err := dev.Control(ctx, usb.Setup{}, nil); !errors.Is(err, errClosed) {
		t.Errorf("Control after Close: %v", err)
	}
}

func TestClaimWithoutDriver(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	ctx := context.Background()
	for _, step := range []func() error{
		func() error { return dev.Claim(ctx, 0) },
		func() error { return dev.SetAlternate(ctx, 0, 3) },
		func() error { return dev.ClearHalt(ctx, 0x81) },
		func() error { return dev.Release(ctx, 0) },
		func() error { return dev.Reset(ctx) },
		dev.Close,
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"claim 0", "setinterface 0 3", "clearhalt 81", "release 0", "reset"}
	if !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
}

func TestCapabilities(t *testing.T) {
	dev, _ := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	c, err := dev.Capabilities()
	if err != nil || c != CapZeroPacket|CapBulkContinuation {
		t.Errorf("Capabilities = %#x, %v", c, err)
	}
}

// busyTree copies the ROM fixture and binds interface 0 to driver.
func busyTree(t *testing.T, driver string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS(romTree)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../../bus/usb/drivers/"+driver, filepath.Join(root, "1-1.2", "1-1.2:1.0", "driver")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestClaimBusy(t *testing.T) {
	ctx := context.Background()
	t.Run("another program", func(t *testing.T) {
		dev, k := openFake(t, busyTree(t, "usbfs"), "1-1.2")
		defer dev.Close()
		err := dev.Claim(ctx, 0)
		if !errors.Is(err, usb.ErrBusy) || !strings.Contains(err.Error(), `driver "usbfs"`) {
			t.Errorf("Claim: %v", err)
		}
		if len(k.calls) != 0 {
			t.Errorf("took the interface from another program: %q", k.calls)
		}
	})
	t.Run("kernel refuses", func(t *testing.T) {
		dev, k := openFake(t, busyTree(t, "dfu_helper"), "1-1.2")
		defer dev.Close()
		k.errs[usbdevfsClaimInterface] = unix.EBUSY
		err := dev.Claim(ctx, 0)
		if !errors.Is(err, usb.ErrBusy) || !strings.Contains(err.Error(), `kernel driver "dfu_helper"`) || !strings.Contains(err.Error(), "unbind") {
			t.Errorf("Claim: %v", err)
		}
		if err := dev.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		want := []string{"ioctl disconnect 0", "claim 0", "ioctl connect 0"}
		if !reflect.DeepEqual(k.calls, want) {
			t.Errorf("calls %q, want %q", k.calls, want)
		}
	})
	t.Run("detach not allowed", func(t *testing.T) {
		dev, k := openFake(t, busyTree(t, "cdc_acm"), "1-1.2")
		defer dev.Close()
		k.wrap[usbdevfsDisconnect] = unix.EPERM
		err := dev.Claim(ctx, 0)
		if !errors.Is(err, usb.ErrPermission) || !strings.Contains(err.Error(), "detaching kernel driver cdc_acm") || !strings.Contains(err.Error(), "udev-rules") {
			t.Errorf("Claim: %v", err)
		}
	})
}

// A device that left the bus closes cleanly, without re-attaching.
func TestCloseGone(t *testing.T) {
	dev, k := openFake(t, appTree, "1-1.2")
	if err := dev.Claim(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	k.errs[usbdevfsReleaseInterface] = unix.ENODEV
	k.wrap[usbdevfsConnect] = unix.ENODEV
	if err := dev.Close(); err != nil {
		t.Errorf("Close of a gone device: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	ctx := context.Background()
	ms, fromCtx, err := timeout(ctx)
	if ms != 5000 || fromCtx || err != nil {
		t.Errorf("no deadline: %d %v %v", ms, fromCtx, err)
	}
	c1, cancel1 := context.WithTimeout(ctx, time.Hour)
	defer cancel1()
	if ms, fromCtx, _ := timeout(c1); ms != uint32(MaxTimeout/time.Millisecond) || fromCtx {
		t.Errorf("far deadline: %d %v", ms, fromCtx)
	}
	c2, cancel2 := context.WithTimeout(ctx, 40*time.Second)
	defer cancel2()
	if ms, fromCtx, _ := timeout(c2); ms > 40000 || ms < 30000 || !fromCtx {
		t.Errorf("40 s deadline: %d ms %v", ms, fromCtx)
	}
	c3, cancel3 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel3()
	if _, _, err := timeout(c3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("past deadline: %v", err)
	}
	c4, cancel4 := context.WithCancel(ctx)
	cancel4()
	if _, _, err := timeout(c4); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestHostDevicesAndOpen(t *testing.T) {
	ctx := context.Background()
	dev := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dev, "001"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dev, "001", "006"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	app := &Host{SysfsRoot: appTree, DevRoot: dev}
	rom := &Host{SysfsRoot: romTree, DevRoot: dev}
	appDevs, err := app.Devices(ctx)
	if err != nil || len(appDevs) != 2 {
		t.Fatalf("Devices: %v %d", err, len(appDevs))
	}
	romDevs, err := rom.Devices(ctx)
	if err != nil || len(romDevs) != 2 {
		t.Fatalf("Devices: %v %d", err, len(romDevs))
	}

	// The ROM bootloader as seen in an older scan (address 4): Open finds
	// it at its current address 6.
	old := romDevs[1]
	old.Address = 4
	d, err := rom.Open(ctx, old)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if d.Info().Address != 6 || d.(*Device).Node() != filepath.Join(dev, "001", "006") {
		t.Errorf("opened address %d node %s", d.Info().Address, d.(*Device).Node())
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		host *Host
		info usb.DeviceInfo
		want error
		text string
	}{
		{"re-enumerated as another device", rom, appDevs[1], usb.ErrGone, "now holds usbfs 0483:df11"},
		{"port empty", rom, func() usb.DeviceInfo { i := appDevs[1]; i.Path = "1-3"; return i }(), usb.ErrGone, "nothing at port 1-3"},
		{"node missing", app, appDevs[1], usb.ErrGone, "001/005"},
		{"bad path", app, usb.DeviceInfo{Host: "usbfs", Path: "../etc"}, usb.ErrNotFound, "not a USB port path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.host.Open(ctx, tt.info)
			if d != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Open = %v, %v; want %v containing %q", d, err, tt.want, tt.text)
			}
		})
	}
	if _, err := rom.Open(ctx, usb.DeviceInfo{Host: "usbip:x:3240", Path: "1-1.2"}); err == nil || !strings.Contains(err.Error(), "belongs to host") {
		t.Errorf("foreign host: %v", err)
	}
}

func TestOpenPermissionError(t *testing.T) {
	in := usb.DeviceInfo{Host: "usbfs", Path: "1-1.2", Descriptors: usb.Descriptors{Device: usb.DeviceDescriptor{Vendor: 0x0483, Product: 0xdf11}}}
	err := openError("/dev/bus/usb/001/006", in, unix.EACCES)
	for _, want := range []string{"/dev/bus/usb/001/006", "permission denied", "udev rule",
		`ATTR{idVendor}=="0483", ATTR{idProduct}=="df11", TAG+="uaccess"`, "/etc/udev/rules.d/60-softdfu.rules", "replug"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nlacks %q", err, want)
		}
	}
	if !errors.Is(err, usb.ErrPermission) || strings.Contains(err.Error(), "\n") {
		t.Errorf("want one line wrapping ErrPermission: %v", err)
	}
	if err := openError("x", in, unix.EBUSY); !errors.Is(err, usb.ErrBusy) {
		t.Errorf("EBUSY: %v", err)
	}
}

// Transfers from several goroutines and a Close racing them: every call
// either completes or reports the closed device, never touches a closed
// descriptor (go test -race).
func TestConcurrentUseAndClose(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	k.in = []byte{0, 0, 0, 0, 2, 0}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := context.Background()
			if i%2 == 1 {
				c = ctx
			}
			for range 8 {
				buf := make([]byte, 6)
				if _, err := dev.Control(c, usb.ClassInterfaceIn(3, 0, 0, 6), buf); err != nil && !errors.Is(err, errClosed) {
					errs <- err
					return
				}
			}
		}()
	}
	if err := dev.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The real ioctl path reaches the kernel: on a file that is not a usbfs
// node the kernel answers ENOTTY. (This machine's kernel has no USB support,
// so no real usbfs node exists here.)
func TestSysIoctlReachesKernel(t *testing.T) {
	fd, err := unix.Open(os.DevNull, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var caps uint32
	if _, err := sysIoctl(fd, usbdevfsGetCapabilities, unsafe.Pointer(&caps)); !errors.Is(err, unix.ENOTTY) {
		t.Errorf("GET_CAPABILITIES on /dev/null: %v, want ENOTTY", err)
	}
}

func TestAsyncControl(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.in = []byte{0, 100, 0, 0, 5, 0, 0xee} // one byte more than asked
	buf := make([]byte, 6)
	n, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), buf)
	if err != nil || n != 6 || string(buf) != string(k.in[:6]) {
		t.Fatalf("GETSTATUS: n=%d err=%v buf=% x", n, err, buf)
	}
	payload := []byte{0x21, 0, 0, 0, 8}
	n, err = dev.Control(ctx, usb.ClassInterfaceOut(1, 0, 0, 5), payload)
	if err != nil || n != 5 || string(k.out) != string(payload) {
		t.Fatalf("DNLOAD: n=%d err=%v out=% x", n, err, k.out)
	}
	want := []string{"urb control a1 03 00 00 00 00 06 00", "reap 0", "urb control 21 01 00 00 00 00 05 00", "reap 0"}
	if !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
	if len(dev.pending) != 0 {
		t.Errorf("%d URBs left pending", len(dev.pending))
	}
}

func TestAsyncBulkChunks(t *testing.T) {
	dev, k := openFake(t, appTree, "1-1.2")
	defer dev.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make([]byte, 40000)
	for i := range out {
		out[i] = byte(i)
	}
	n, err := dev.Transfer(ctx, 0x02, out)
	if err != nil || n != len(out) {
		t.Fatalf("OUT: %d %v", n, err)
	}
	if string(k.out) != string(out[32768:]) {
		t.Errorf("last chunk carried %d bytes", len(k.out))
	}
	k.in = []byte("short")
	in := make([]byte, 40000)
	n, err = dev.Transfer(ctx, 0x82, in)
	if err != nil || n != 5 || string(in[:n]) != "short" {
		t.Fatalf("IN: %d %v %q", n, err, in[:n])
	}
	want := []string{"urb 3 02 16384", "reap 0", "urb 3 02 16384", "reap 0", "urb 3 02 7232", "reap 0", "urb 3 82 16384", "reap 0"}
	if !reflect.DeepEqual(k.calls, want) {
		t.Errorf("calls %q, want %q", k.calls, want)
	}
}

func TestAsyncCancelAndTimeout(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		dev, k := openFake(t, romTree, "1-1.2")
		defer dev.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		k.hang = true
		k.onSubmit = cancel // cancelled while the URB is in flight
		_, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "discarded") {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		want := []string{"urb control a1 03 00 00 00 00 06 00", "discard", "reap -2"}
		if !reflect.DeepEqual(k.calls, want) {
			t.Errorf("calls %q, want %q", k.calls, want)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		dev, k := openFake(t, romTree, "1-1.2")
		defer dev.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		k.hang = true
		_, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
		if !errors.Is(err, usb.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want ErrTimeout and DeadlineExceeded", err)
		}
		if k.calls[len(k.calls)-2] != "discard" || k.calls[len(k.calls)-1] != "reap -2" {
			t.Errorf("calls %q, want a discard and its reap", k.calls)
		}
	})
}

func TestAsyncGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t.Run("hangup", func(t *testing.T) {
		dev, k := openFake(t, romTree, "1-1.2")
		k.hang = true
		k.onSubmit = func() { unix.Close(k.notify) } // poll sees POLLHUP
		_, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
		if !errors.Is(err, usb.ErrGone) {
			t.Errorf("err = %v, want ErrGone", err)
		}
		if len(dev.orphans) != 1 || len(dev.pending) != 0 {
			t.Errorf("%d orphans, %d pending; want the lost URB kept until Close", len(dev.orphans), len(dev.pending))
		}
		if err := dev.Close(); err != nil || len(dev.orphans) != 0 {
			t.Errorf("Close: %v, %d orphans", err, len(dev.orphans))
		}
	})
	t.Run("reap refused", func(t *testing.T) {
		dev, k := openFake(t, romTree, "1-1.2")
		defer dev.Close()
		k.hang = true
		k.errs[usbdevfsReapURBNDelay] = unix.ENODEV
		_, err := dev.Transfer(ctx, 0x81, make([]byte, 8))
		if !errors.Is(err, usb.ErrGone) {
			t.Errorf("err = %v, want ErrGone", err)
		}
	})
	t.Run("submit refused", func(t *testing.T) {
		dev, k := openFake(t, romTree, "1-1.2")
		defer dev.Close()
		k.errs[usbdevfsSubmitURB] = unix.ENODEV
		_, err := dev.Transfer(ctx, 0x81, make([]byte, 8))
		if !errors.Is(err, usb.ErrGone) || len(dev.pending) != 0 {
			t.Errorf("err = %v (%d pending), want ErrGone", err, len(dev.pending))
		}
	})
}

// An URB the kernel kills (status -ENOENT without a discard of ours) is a
// device that left the bus.
func TestAsyncKilledByKernel(t *testing.T) {
	dev, k := openFake(t, romTree, "1-1.2")
	defer dev.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.status = -int32(unix.ENOENT)
	_, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), make([]byte, 6))
	if !errors.Is(err, usb.ErrGone) {
		t.Errorf("err = %v, want ErrGone", err)
	}
}
