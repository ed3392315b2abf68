package usbip

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/usb"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a log sink safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve runs a server for bus on a loopback port until the test ends.
func serve(t testing.TB, bus usb.Bus, opts ...ServerOptions) (addr string, logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	l, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var o ServerOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	srv := NewServer(bus, o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve returned %v, want context.Canceled", err)
		}
	})
	return l.Addr().String(), logs
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func twoBoards() (*testBus, *testGadget, *testGadget) {
	bus := newTestBus("1-1", "1-2", "1-3")
	a := newTestGadget(0x0001, "AAA111", false)
	b := newTestGadget(0x0002, "BBB222", true)
	bus.attach("1-1", a)
	bus.attach("1-2", b)
	return bus, a, b
}

func TestDeviceList(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	h := NewHost(addr)
	recs, err := h.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("device list has %d devices, want 2: %+v", len(recs), recs)
	}
	want := Device{Path: "/sys/devices/platform/softdfu/usb1/1-2", BusID: "1-2", BusNum: 1, DevNum: recs[1].DevNum, Speed: 2,
		Vendor: 0x1209, Product: 2, BCDDevice: 0x0100, ConfigurationValue: 1, NumConfigurations: 1, NumInterfaces: 2,
		Interfaces: []Interface{{0xfe, 1, 2}, {0xff, 0x42, 7}}}
	if got := recs[1]; !slices.Equal(got.Interfaces, want.Interfaces) || got.Path != want.Path || got.NumInterfaces != 2 ||
		got.Speed != 2 || got.Vendor != 0x1209 || got.Product != 2 || got.ConfigurationValue != 1 || got.BusNum != 1 {
		t.Errorf("record = %+v, want %+v", got, want)
	}
	if recs[0].DevNum == recs[1].DevNum || recs[0].DevNum == 0 {
		t.Errorf("device numbers %d and %d, want distinct and non-zero", recs[0].DevNum, recs[1].DevNum)
	}

	infos, err := h.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range infos {
		got = append(got, i.String()+" product "+i.Descriptors.ProductName()+" "+i.Descriptors.Manufacturer())
		if len(i.Descriptors.Configs) != 1 {
			t.Errorf("%s: %d configurations, want 1", i.Path, len(i.Descriptors.Configs))
		}
	}
	wantS := []string{
		"usbip:" + addr + " 1209:0001 path 1-1 serial AAA111 product test gadget softdfu",
		"usbip:" + addr + " 1209:0002 path 1-2 serial BBB222 product test gadget softdfu",
	}
	if !slices.Equal(got, wantS) {
		t.Errorf("Devices =\n%q\nwant\n%q", got, wantS)
	}
}

func TestControl(t *testing.T) {
	bus, a, _ := twoBoards()
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	d, err := Dial(ctx, addr, "1-1")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := infoSerial(d); got != "AAA111" {
		t.Errorf("serial %q, want AAA111", got)
	}
	buf := make([]byte, 4)
	n, err := d.Control(ctx, usb.Setup{RequestType: usb.DirIn | usb.TypeVendor, Request: reqEcho, Value: 0x5a, Length: 4}, buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{0x5a, 0x5a, 0x5a, 0x5a}) {
		t.Errorf("echo = % x, %v; want 4 x 5a", buf[:n], err)
	}
	if _, err := d.Control(ctx, usb.Setup{RequestType: usb.DirIn | usb.TypeVendor, Request: reqStall, Length: 4}, buf); !errors.Is(err, usb.ErrStall) {
		t.Errorf("stalling request: %v, want ErrStall", err)
	}
	n, err = d.Control(ctx, usb.Setup{RequestType: usb.DirOut | usb.TypeVendor, Request: reqStore, Length: 3}, []byte{1, 2, 3})
	if err != nil || n != 3 {
		t.Errorf("OUT request = %d, %v; want 3, nil", n, err)
	}
	for _, s := range []usb.Setup{
		{Request: usb.ReqSetAddress, Value: 7},
		{Request: usb.ReqSetConfiguration, Value: 1},
	} {
		if _, err := d.Control(ctx, s, nil); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
	if err := d.Claim(ctx, 0); err != nil {
		t.Errorf("Claim: %v", err)
	}
	if err := d.SetAlternate(ctx, 0, 2); err != nil {
		t.Errorf("SetAlternate: %v", err)
	}
	setups := a.setups()
	want := []usb.Setup{
		{RequestType: usb.DirIn | usb.TypeVendor, Request: reqStall, Length: 4},
		{RequestType: usb.DirOut | usb.TypeVendor, Request: reqStore, Length: 3},
		{Request: usb.ReqSetAddress, Value: 7},
		{Request: usb.ReqSetConfiguration, Value: 1},
		{RequestType: usb.RecipientInterface, Request: usb.ReqSetInterface, Value: 2, Index: 0},
	}
	if got := setups[len(setups)-len(want):]; !slices.Equal(got, want) {
		t.Errorf("gadget saw %v, want %v", got, want)
	}
}

func TestBulkEchoWithPendingIN(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	d, err := Dial(ctx, addr, "1-2")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	// An IN transfer stays pending (as cdc_acm's do) while ep0 keeps working.
	got := make(chan string)
	go func() {
		buf := make([]byte, 64)
		n, err := d.Transfer(ctx, 0x81, buf)
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(buf[:n])
	}()
	for i := range 5 {
		buf := make([]byte, 2)
		if _, err := d.Control(ctx, usb.Setup{RequestType: usb.DirIn | usb.TypeVendor, Request: reqEcho, Value: uint16(i), Length: 2}, buf); err != nil {
			t.Fatalf("control %d while IN pending: %v", i, err)
		}
	}
	if n, err := d.Transfer(ctx, 0x01, []byte("hello")); err != nil || n != 5 {
		t.Fatalf("OUT = %d, %v", n, err)
	}
	if s := <-got; s != "hello" {
		t.Errorf("IN got %q, want hello", s)
	}

	// A cancelled IN is unlinked and does not swallow later data.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := d.Transfer(short, 0x81, make([]byte, 64)); !errors.Is(err, usb.ErrTimeout) {
		t.Errorf("IN with expired context: %v, want ErrTimeout", err)
	}
	if _, err := d.Transfer(ctx, 0x01, []byte("again")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3) // shorter than the data: cut to the buffer
	if n, err := d.Transfer(ctx, 0x81, buf); err != nil || string(buf[:n]) != "aga" {
		t.Errorf("IN after unlink = %q, %v; want aga", buf[:n], err)
	}
	if _, err := d.Transfer(ctx, 0x02, []byte("x")); !errors.Is(err, usb.ErrStall) {
		t.Errorf("OUT to missing endpoint: %v, want ErrStall", err)
	}
}

// rawImport connects and imports busid, speaking the protocol by hand.
func rawImport(t *testing.T, addr, busid string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(ImportRequest{BusID: busid}.Marshal()); err != nil {
		t.Fatal(err)
	}
	rep, err := ReadImportReply(c)
	if err != nil || rep.Status != StatusOK || rep.Device.BusID != busid {
		t.Fatalf("import %s: %+v, %v", busid, rep, err)
	}
	return c
}

func getDeviceDescriptor(seq uint32) []byte {
	return CmdSubmit{Basic: Basic{Seqnum: seq, Direction: DirIn}, TransferBufferLength: 18, NumberOfPackets: NoISO,
		Setup: usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescDevice << 8, Length: 18}.Marshal()}.Marshal()
}

func TestUnlink(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, _ := serve(t, bus)
	c := rawImport(t, addr, "1-2")
	in := func(seq uint32) bool { return seq == 3 || seq == 6 } // the IN URBs that complete
	send := func(b []byte) {
		t.Helper()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	next := func() any {
		t.Helper()
		p, err := ReadReturn(c, in)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// URB 1: bulk IN, pending. Unlink it: -ECONNRESET and never a RET_SUBMIT.
	send(CmdSubmit{Basic: Basic{Seqnum: 1, Direction: DirIn, Ep: 1}, TransferBufferLength: 64, NumberOfPackets: NoISO}.Marshal())
	// URB 7 waits behind URB 1 on the same endpoint; unlink it there.
	send(CmdSubmit{Basic: Basic{Seqnum: 7, Direction: DirIn, Ep: 1}, TransferBufferLength: 64, NumberOfPackets: NoISO}.Marshal())
	send(CmdUnlink{Basic: Basic{Seqnum: 8}, UnlinkSeqnum: 7}.Marshal())
	if p, ok := next().(*RetUnlink); !ok || p.Seqnum != 8 || p.Status != ECONNRESET {
		t.Fatalf("after unlinking a queued URB got %+v, want RET_UNLINK 8 status -104", p)
	}
	send(CmdUnlink{Basic: Basic{Seqnum: 2}, UnlinkSeqnum: 1}.Marshal())
	if p, ok := next().(*RetUnlink); !ok || p.Seqnum != 2 || p.Status != ECONNRESET {
		t.Fatalf("after unlinking a pending URB got %+v, want RET_UNLINK 2 status -104", p)
	}
	// URB 3 completes; unlinking it afterwards gives status 0.
	send(getDeviceDescriptor(3))
	p, ok := next().(*RetSubmit)
	if !ok || p.Seqnum != 3 || p.Status != 0 || p.ActualLength != 18 || p.Data[1] != usb.DescDevice {
		t.Fatalf("got %+v, want RET_SUBMIT 3 with a device descriptor (and nothing for the unlinked URB 1)", p)
	}
	send(CmdUnlink{Basic: Basic{Seqnum: 4}, UnlinkSeqnum: 3}.Marshal())
	if p, ok := next().(*RetUnlink); !ok || p.Seqnum != 4 || p.Status != 0 {
		t.Fatalf("after unlinking a completed URB got %+v, want RET_UNLINK 4 status 0", p)
	}
	// The unlinked URB 1 did not take the data: URB 6 gets it.
	send(CmdSubmit{Basic: Basic{Seqnum: 5, Direction: DirOut, Ep: 1}, TransferBufferLength: 2, NumberOfPackets: NoISO, Data: []byte("ok")}.Marshal())
	send(CmdSubmit{Basic: Basic{Seqnum: 6, Direction: DirIn, Ep: 1}, TransferBufferLength: 64, NumberOfPackets: NoISO}.Marshal())
	got := map[uint32]*RetSubmit{}
	for range 2 {
		p, ok := next().(*RetSubmit)
		if !ok {
			t.Fatalf("got %+v, want RET_SUBMIT", p)
		}
		got[p.Seqnum] = p
	}
	if got[5] == nil || got[5].ActualLength != 2 || got[6] == nil || string(got[6].Data) != "ok" {
		t.Errorf("OUT/IN completions %+v %+v, want 2 bytes out and \"ok\" in", got[5], got[6])
	}
}

func TestImportErrors(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	d, err := Dial(ctx, addr, "1-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(ctx, addr, "1-1"); !errors.Is(err, usb.ErrBusy) {
		t.Errorf("second import of 1-1: %v, want ErrBusy", err)
	}
	for _, busid := range []string{"1-3", "9-9"} {
		if _, err := Dial(ctx, addr, busid); !errors.Is(err, usb.ErrGone) {
			t.Errorf("import of %s: %v, want ErrGone", busid, err)
		}
	}
	d.Close()
	// The server frees the device once it sees the connection end.
	for i := 0; ; i++ {
		d, err = Dial(ctx, addr, "1-1")
		if err == nil {
			d.Close()
			break
		}
		if !errors.Is(err, usb.ErrBusy) || i == 500 {
			t.Fatalf("import after close: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestGoneDevice(t *testing.T) {
	bus, a, _ := twoBoards()
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	h := NewHost(addr)
	infos, err := h.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dev, err := h.Open(ctx, infos[0])
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	pending := make(chan error)
	go func() {
		_, err := dev.Control(ctx, usb.Setup{RequestType: usb.DirIn | usb.TypeVendor, Request: reqEcho, Length: 1}, make([]byte, 1))
		if err == nil {
			_, err = dev.Transfer(ctx, 0x81, make([]byte, 1)) // the control-only board stalls
		}
		pending <- err
	}()
	if err := <-pending; !errors.Is(err, usb.ErrStall) {
		t.Fatalf("got %v, want ErrStall", err)
	}

	// The board re-enumerates: the connection closes, the new device can be imported.
	a.leave()
	bus.attach("1-1", nil)
	for {
		_, err := dev.Control(ctx, usb.Setup{RequestType: usb.DirIn | usb.TypeVendor, Request: reqEcho, Length: 1}, make([]byte, 1))
		if errors.Is(err, usb.ErrGone) {
			break
		}
		if err != nil && !errors.Is(err, usb.ErrGone) {
			t.Fatalf("control on a gone device: %v, want ErrGone", err)
		}
	}
	rom := newTestGadget(0xdf11, "ROM", false)
	bus.attach("1-1", rom)
	if _, err := h.Open(ctx, infos[0]); !errors.Is(err, usb.ErrGone) {
		t.Errorf("Open with the old device's info: %v, want ErrGone", err)
	}
	infos, err = h.Devices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].Descriptors.Device.Product != 0xdf11 || infos[0].Descriptors.Serial() != "ROM" {
		t.Fatalf("after re-enumeration 1-1 is %s", infos[0])
	}
	dev2, err := h.Open(ctx, infos[0])
	if err != nil {
		t.Fatalf("Open of the new device: %v", err)
	}
	dev2.Close()
}

func TestMalformedKeepsServing(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, logs := serve(t, bus)
	ctx := testCtx(t)
	good, err := Dial(ctx, addr, "1-2")
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()

	bad := []struct {
		name  string
		busid string // import first, unless empty
		send  []byte
		log   string
	}{
		{"huge transfer", "1-1", CmdSubmit{Basic: Basic{Seqnum: 1}, TransferBufferLength: 1 << 30, NumberOfPackets: NoISO}.Marshal()[:HeaderSize],
			"transfer_buffer_length 1073741824 at byte 24 is outside 0..1048576"},
		{"unknown command", "1-1", RetUnlink{}.Marshal(), "command 0x4 at byte 0"},
		{"bad op code", "", OpHeader{Version, 0x8006, 0}.Marshal(), "operation code 0x8006"},
		{"bad version", "", OpHeader{0x0100, OpReqDevlist, 0}.Marshal(), "protocol version 0x0100 at byte 0, want 0x0111"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var c net.Conn
			if tt.busid != "" {
				c = rawImport(t, addr, tt.busid)
			} else {
				c, err = net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(20 * time.Second))
			}
			c.Write(tt.send)
			if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
				t.Errorf("server sent %d bytes then %v, want a closed connection", n, err)
			}
			if !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, logs)
			}
			// The other client is still served.
			buf := make([]byte, 1)
			if _, err := good.Control(ctx, usb.Setup{RequestType: usb.DirIn | usb.TypeVendor, Request: reqEcho, Value: 9, Length: 1}, buf); err != nil || buf[0] != 9 {
				t.Errorf("other client after %s: % x, %v", tt.name, buf, err)
			}
		})
	}
}

func TestConcurrentClients(t *testing.T) {
	bus := newTestBus("1-1", "1-2", "1-3", "1-4")
	for i, p := range bus.Ports() {
		bus.attach(p, newTestGadget(uint16(i), p, true))
	}
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for _, p := range bus.Ports() {
		wg.Go(func() {
			d, err := Dial(ctx, addr, p)
			if err != nil {
				errs <- err
				return
			}
			defer d.Close()
			if infoSerial(d) != p {
				errs <- errors.New(p + ": wrong serial " + infoSerial(d))
			}
			for i := range 50 {
				msg := []byte(p + strings.Repeat("x", i))
				if _, err := d.Transfer(ctx, 0x01, msg); err != nil {
					errs <- err
					return
				}
				buf := make([]byte, 64)
				n, err := d.Transfer(ctx, 0x81, buf)
				if err != nil || !bytes.Equal(buf[:n], msg) {
					errs <- errors.New(p + ": echo mismatch")
					return
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			if _, err := NewHost(addr).List(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func infoSerial(d usb.Device) string {
	i := d.Info()
	return i.Descriptors.Serial()
}

func TestTooManyURBs(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, logs := serve(t, bus, ServerOptions{MaxPending: 4})
	c := rawImport(t, addr, "1-2")
	for seq := range uint32(5) {
		c.Write(CmdSubmit{Basic: Basic{Seqnum: seq + 1, Direction: DirIn, Ep: 1}, TransferBufferLength: 64, NumberOfPackets: NoISO}.Marshal())
	}
	if n, err := io.Copy(io.Discard, c); err != nil || n != 0 {
		t.Errorf("server sent %d bytes then %v, want a closed connection", n, err)
	}
	if want := "client has more than 4 URBs outstanding (URB 5)"; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
	// The device is free again.
	c = rawImport(t, addr, "1-2")
	c.Write(getDeviceDescriptor(1))
	if p, err := ReadReturn(c, func(uint32) bool { return true }); err != nil || p.(*RetSubmit).ActualLength != 18 {
		t.Errorf("after reconnect: %+v, %v", p, err)
	}
}

func TestShutdownClosesIdleConnections(t *testing.T) {
	bus, _, _ := twoBoards()
	l, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- NewServer(bus, ServerOptions{IOTimeout: time.Hour}).Serve(ctx, l) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte{0x01}) // a partial request: the server waits for more
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve = %v, want context.Canceled", err)
	}
}

// BenchmarkControlRoundTrip measures one GET_DESCRIPTOR(device) through
// client, loopback TCP and server.
func BenchmarkControlRoundTrip(b *testing.B) {
	bus, _, _ := twoBoards()
	addr, _ := serve(b, bus)
	ctx := testCtx(b)
	d, err := Dial(ctx, addr, "1-1")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	buf := make([]byte, 18)
	setup := usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescDevice << 8, Length: 18}
	for b.Loop() {
		if _, err := d.Control(ctx, setup, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBulkEcho64K measures a 64 KiB bulk OUT and its 64 KiB IN echo.
func BenchmarkBulkEcho64K(b *testing.B) {
	bus, _, _ := twoBoards()
	addr, _ := serve(b, bus)
	ctx := testCtx(b)
	d, err := Dial(ctx, addr, "1-2")
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	msg := make([]byte, 64<<10)
	buf := make([]byte, len(msg))
	b.SetBytes(int64(2 * len(msg)))
	for b.Loop() {
		if _, err := d.Transfer(ctx, 0x01, msg); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Transfer(ctx, 0x81, buf); err != nil {
			b.Fatal(err)
		}
	}
}
