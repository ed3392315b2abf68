package usbip

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// upload is a DfuSe UPLOAD of 2048 bytes of flash (block 2): the largest
// answer the ROM gives.
func upload(seq uint32) []byte {
	return CmdSubmit{Basic: Basic{Seqnum: seq, Direction: DirIn}, TransferBufferLength: 2048, NumberOfPackets: NoISO,
		Setup: usb.ClassInterfaceIn(2, 2, 0, 2048).Marshal()}.Marshal()
}

// TestSlowReaderIsDropped: a client that submits URBs and never reads the
// answers fills its socket; the server's write times out, the client is
// dropped, the memory it held is bounded by MaxPending, and another client
// is served meanwhile and afterwards.
func TestSlowReaderIsDropped(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}, {Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr, logs := serve(t, w, ServerOptions{IOTimeout: 200 * time.Millisecond})
	ctx := testCtx(t)
	good, err := Dial(ctx, addr, "1-2")
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()

	slow := rawImport(t, addr, "1-1")
	if tc, ok := slow.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		// Submit until the server stops reading: it dropped the client.
		for seq := uint32(1); ; seq++ {
			if _, err := slow.Write(upload(seq)); err != nil {
				return
			}
		}
	})
	// The other client keeps being served while the slow one is stuck.
	buf := make([]byte, 18)
	for i := range 20 {
		if n, err := good.Control(ctx, usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescDevice << 8, Length: 18}, buf); err != nil || n != 18 {
			t.Fatalf("other client, request %d: %d bytes, %v", i, n, err)
		}
	}
	wg.Wait()
	// Dropped by the write deadline or by the bound on outstanding URBs,
	// whichever the client hits first: either bounds what it holds.
	if l := logs.String(); !strings.Contains(l, "busid=1-1 reason=") || !strings.Contains(l, "i/o timeout") && !strings.Contains(l, "URBs outstanding") {
		t.Errorf("log does not show the slow client dropped:\n%s", logs)
	}
	// The device is free again for a well-behaved client.
	d, err := Dial(ctx, addr, "1-1")
	if err != nil {
		t.Fatalf("importing the slow client's device again: %v", err)
	}
	d.Close()
}

// TestManyConnections: many clients that connect and send nothing, or
// half a header, or an unknown bus ID, do not stop the server from serving
// a real client, and each of them is closed by the server.
func TestManyConnections(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, _ := serve(t, bus, ServerOptions{IOTimeout: 300 * time.Millisecond})
	ctx := testCtx(t)
	const n = 200
	conns := make([]net.Conn, 0, n)
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		switch i % 4 {
		case 1:
			c.Write(OpHeader{Version, OpReqImport, 0}.Marshal()[:5]) // half a header
		case 2:
			c.Write(ImportRequest{BusID: "9-9"}.Marshal()) // unknown bus ID
		case 3:
			c.Write(ImportRequest{BusID: strings.Repeat("\xff", 31)}.Marshal())
		}
		conns = append(conns, c)
	}
	d, err := Dial(ctx, addr, "1-2")
	if err != nil {
		t.Fatalf("a real client among %d idle ones: %v", n, err)
	}
	buf := make([]byte, 18)
	if _, err := d.Control(ctx, usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescDevice << 8, Length: 18}, buf); err != nil {
		t.Fatal(err)
	}
	d.Close()
	for i, c := range conns {
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("connection %d: not closed by the server: %v", i, err)
		}
		if i%4 == 2 || i%4 == 3 {
			rep, err := ReadImportReply(strings.NewReader(string(b)))
			if err != nil || rep.Status != StatusNoDev {
				t.Errorf("connection %d: import of an unknown bus ID answered %+v, %v", i, rep, err)
			}
		} else if len(b) != 0 {
			t.Errorf("connection %d: got %d bytes, want none", i, len(b))
		}
	}
}

// TestTruncatedURB: a client that sends part of a CMD_SUBMIT (or of its OUT
// data) and closes is dropped without affecting the device.
func TestTruncatedURB(t *testing.T) {
	bus, _, _ := twoBoards()
	addr, _ := serve(t, bus)
	ctx := testCtx(t)
	out := CmdSubmit{Basic: Basic{Seqnum: 1, Direction: DirOut}, TransferBufferLength: 1000, NumberOfPackets: NoISO, Data: make([]byte, 1000)}.Marshal()
	for _, cut := range []int{1, 20, HeaderSize - 1, HeaderSize, HeaderSize + 999} {
		c := rawImport(t, addr, "1-1")
		c.Write(out[:cut])
		c.Close()
		// Importing again works once the server noticed.
		var d usb.Device
		var err error
		for range 100 {
			if d, err = Dial(ctx, addr, "1-1"); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("cut at %d: importing again: %v", cut, err)
		}
		d.Close()
	}
}
