package usbip

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/softdfu/softdfu/usb"
)

// FuzzServer imports a device with a bulk echo endpoint and feeds the
// server arbitrary URB traffic: it must neither panic nor hang, and must
// release the device when the client goes.
func FuzzServer(f *testing.F) {
	in := CmdSubmit{Basic: Basic{Seqnum: 1, Direction: DirIn, Ep: 1}, TransferBufferLength: 64, NumberOfPackets: NoISO}.Marshal()
	out := CmdSubmit{Basic: Basic{Seqnum: 2, Direction: DirOut, Ep: 1}, TransferBufferLength: 3, NumberOfPackets: NoISO, Data: []byte("abc")}.Marshal()
	ctl := getDeviceDescriptor(3)
	unlink := CmdUnlink{Basic: Basic{Seqnum: 4}, UnlinkSeqnum: 1}.Marshal()
	f.Add(append(append(append([]byte{}, in...), out...), ctl...))
	f.Add(append(append([]byte{}, in...), unlink...))
	f.Add(append(append([]byte{}, ctl...), ctl...)) // the same seqnum twice
	f.Add(CmdSubmit{Basic: Basic{Seqnum: 5, Ep: 0}, TransferBufferLength: 2, NumberOfPackets: NoISO, Data: []byte{1, 2}}.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		bus := newTestBus("1-1")
		g := newTestGadget(1, "F", true)
		bus.attach("1-1", g)
		s := NewServer(bus, ServerOptions{Logger: slog.New(slog.DiscardHandler), MaxPending: 8})
		client, server := net.Pipe()
		var wg sync.WaitGroup
		wg.Go(func() { s.serveConn(context.Background(), server) })
		wg.Go(func() { io.Copy(io.Discard, client) })
		client.Write(ImportRequest{BusID: "1-1"}.Marshal())
		client.Write(b)
		client.Close()
		wg.Wait()
		if _, _, st := s.claim("1-1"); st != StatusOK {
			t.Fatalf("device not released after the client left: status %d", st)
		}
	})
}

var _ usb.Bus = (*testBus)(nil)
