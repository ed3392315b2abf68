package dfu_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbip"
)

// overUSBIP serves the world's boards over USB/IP on the loopback and
// opens its first device through the USB/IP client, which queues control
// transfers (usb.ControlQueuer).
func overUSBIP(t *testing.T, w *sim.World, opts dfu.Options) (*dfu.Conn, *[]string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { usbip.NewServer(w, usbip.ServerOptions{}).Serve(ctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	h := usbip.NewHost(l.Addr().String())
	infos, err := h.Devices(ctx)
	if err != nil || len(infos) != 1 {
		t.Fatalf("devices: %v %v", infos, err)
	}
	dev, err := h.Open(ctx, infos[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	if _, ok := dev.(usb.ControlQueuer); !ok {
		t.Fatal("the USB/IP client does not queue control transfers")
	}
	log := &[]string{}
	opts.Log = func(line string) { *log = append(*log, line) }
	c, err := dfu.Open(ctx, dev, 0, 0, &opts)
	if err != nil {
		t.Fatal(err)
	}
	*log = nil
	return c, log
}

var busyFor = regexp.MustCompile(`after [0-9.]+[mµ]?s`)

var blockNumber = regexp.MustCompile(`block \d+|a1 02 [0-9a-f]{4}`)

func newWorld(t *testing.T, spec string) *sim.World {
	t.Helper()
	specs, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, sim.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestQueuedUploadSameRequests: reading 40 KB with the queue sends the
// same requests, in the same order, and reads the same bytes as reading
// block by block; the requests are counted alike.
func TestQueuedUploadSameRequests(t *testing.T) {
	ctx := testContext(t)
	var got [2][]byte
	var logs [2][]string
	var transfers [2]int
	for i, noQueue := range []bool{false, true} {
		c, log := overUSBIP(t, newWorld(t, "feather-f405"+":dfu"), dfu.Options{NoQueue: noQueue})
		var seen []int
		b, err := c.Upload(ctx, 0x08000000, 40<<10+100, func(done int) { seen = append(seen, done) })
		if err != nil {
			t.Fatalf("NoQueue %v: %v", noQueue, err)
		}
		if len(seen) != 21 || seen[20] != 40<<10+100 {
			t.Errorf("NoQueue %v: progress %v, want 21 steps ending at %d", noQueue, seen, 40<<10+100)
		}
		got[i], logs[i], transfers[i] = b, *log, c.Transfers()
	}
	if !bytes.Equal(got[0], got[1]) {
		t.Error("the queued upload read other bytes than the one-by-one upload")
	}
	sameRequests(t, logs, transfers)
}

// sameRequests fails t unless the queued run (logs[0], transfers[0]) made
// the same requests as the one-by-one run.
func sameRequests(t *testing.T, logs [2][]string, transfers [2]int) {
	t.Helper()
	if strings.Join(logs[0], "\n") != strings.Join(logs[1], "\n") {
		t.Errorf("requests differ:\nqueued:\n%s\none by one:\n%s", strings.Join(logs[0], "\n"), strings.Join(logs[1], "\n"))
	}
	if transfers[0] != transfers[1] {
		t.Errorf("transfers %d queued, %d one by one", transfers[0], transfers[1])
	}
}

// TestQueuedUploadErrors: a read that runs past the end of flash, and one
// under read protection, fail as they do block by block, and the device
// can be used again afterwards.
func TestQueuedUploadErrors(t *testing.T) {
	ctx := testContext(t)
	for _, tc := range []struct {
		name, spec string
		protect    bool
		addr       uint32
	}{
		{"past the end", "feather-f405:dfu", false, 0x08100000 - 4096},
		{"past the end, deep in the queue", "feather-f405:dfu", false, 0x08100000 - 10240},
		{"read-protected", "feather-f405:dfu", true, 0x08000000},
	} {
		var msgs [2]string
		for i, noQueue := range []bool{false, true} {
			w := newWorld(t, tc.spec)
			if tc.protect {
				b := w.Boards()[0]
				ob := b.OptionBytes(0)
				ob[1] = 0x00 // RDP level 1
				b.SetOptionBytes(0, ob)
				b.Reset()
			}
			c, _ := overUSBIP(t, w, dfu.Options{NoQueue: noQueue})
			_, err := c.Upload(ctx, tc.addr, 16<<10, nil)
			if err == nil {
				t.Fatalf("%s, NoQueue %v: no error", tc.name, noQueue)
			}
			msgs[i] = err.Error()
			if err := c.Recover(ctx); err != nil {
				t.Fatalf("%s, NoQueue %v: recover after the failed read: %v", tc.name, noQueue, err)
			}
			if !tc.protect {
				if _, err := c.Upload(ctx, 0x08000000, 8<<10, nil); err != nil {
					t.Errorf("%s: reading again: %v", tc.name, err)
				}
			}
		}
		// The block numbers count from the last Set Address, which the
		// queued read sends again after the failure; the rest is the same.
		for i := range msgs {
			msgs[i] = blockNumber.ReplaceAllString(msgs[i], "block N")
		}
		if msgs[0] != msgs[1] {
			t.Errorf("%s: queued error %q, one by one %q", tc.name, msgs[0], msgs[1])
		}
	}
}

// TestQueuedUploadCancel: cancelling mid-read returns the cancellation
// once the queued requests are back, and the device reads again after.
func TestQueuedUploadCancel(t *testing.T) {
	ctx := testContext(t)
	c, _ := overUSBIP(t, newWorld(t, "feather-f405:dfu"), dfu.Options{})
	cctx, cancel := context.WithCancel(ctx)
	_, err := c.Upload(cctx, 0x08000000, 64<<10, func(done int) {
		if done >= 8<<10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled read: %v, want context.Canceled", err)
	}
	if err := c.Recover(ctx); err != nil {
		t.Fatalf("recover: %v", err)
	}
	if _, err := c.Upload(ctx, 0x08000000, 8<<10, nil); err != nil {
		t.Fatalf("reading after the cancel: %v", err)
	}
}

// writeSectors erases the sectors at 0x08004000 and 0x08008000 and
// writes 20 KB and 100 bytes across them.
func writeSectors(ctx context.Context, c *dfu.Conn, data []byte) error {
	for _, addr := range []uint32{0x08004000, 0x08008000} {
		if err := c.Erase(ctx, addr); err != nil {
			return err
		}
	}
	return c.Download(ctx, 0x08004000, data, nil)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// TestQueuedDownloadSameRequests: erasing and writing with the first
// GETSTATUS queued behind each DNLOAD sends the same requests, in the
// same order, and writes the same bytes as without the queue.
func TestQueuedDownloadSameRequests(t *testing.T) {
	ctx := testContext(t)
	data := pattern(20<<10 + 100)
	var logs [2][]string
	var transfers [2]int
	for i, noQueue := range []bool{false, true} {
		w := newWorld(t, "feather-f405:dfu")
		c, log := overUSBIP(t, w, dfu.Options{NoQueue: noQueue})
		if err := writeSectors(ctx, c, data); err != nil {
			t.Fatalf("NoQueue %v: %v", noQueue, err)
		}
		if got := w.Boards()[0].Flash()[0x4000 : 0x4000+len(data)]; !bytes.Equal(got, data) {
			t.Errorf("NoQueue %v: the board does not hold what was written", noQueue)
		}
		logs[i], transfers[i] = *log, c.Transfers()
	}
	sameRequests(t, logs, transfers)
}

// TestQueuedDownloadFaults: a DNLOAD refused, a device that stays busy,
// a link that drops and an address the ROM refuses fail with the same
// error with the queue as without it; after a refused DNLOAD the device
// recovers and takes the write again.
func TestQueuedDownloadFaults(t *testing.T) {
	ctx := testContext(t)
	data := pattern(20<<10 + 100)
	for _, fault := range []string{"stall@write:3", "stall@erase:2", "busy-forever@write:2", "disconnect@write:4", "bad-address"} {
		var msgs [2]string
		for i, noQueue := range []bool{false, true} {
			opts := sim.Options{Seed: 3}
			if fault != "bad-address" {
				faults, err := sim.ParseFaults(fault)
				if err != nil {
					t.Fatal(err)
				}
				opts.Faults = faults
			}
			w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, opts)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := overUSBIP(t, w, dfu.Options{NoQueue: noQueue, ProgramTimeout: 200 * time.Millisecond})
			err = writeSectors(ctx, c, data)
			if fault == "bad-address" {
				// A Set Address the ROM refuses: past the end of flash.
				err = c.Download(ctx, 0x08100000, data[:16], nil)
			}
			if err == nil {
				t.Fatalf("%s, NoQueue %v: no error", fault, noQueue)
			}
			msgs[i] = err.Error()
			if strings.HasPrefix(fault, "disconnect") {
				// How the client learns of the drop varies from run to
				// run, with or without the queue.
				if !errors.Is(err, usb.ErrGone) {
					t.Errorf("%s, NoQueue %v: %v, want usb.ErrGone", fault, noQueue, err)
				}
				msgs[i], _, _ = strings.Cut(msgs[i], ": usbip: ")
			}
			if strings.HasPrefix(fault, "stall") {
				if err := c.Recover(ctx); err != nil {
					t.Fatalf("%s, NoQueue %v: recover: %v", fault, noQueue, err)
				}
				if err := writeSectors(ctx, c, data); err != nil {
					t.Fatalf("%s, NoQueue %v: writing again: %v", fault, noQueue, err)
				}
			}
		}
		for i := range msgs {
			msgs[i] = busyFor.ReplaceAllString(msgs[i], "after D")
		}
		if msgs[0] != msgs[1] {
			t.Errorf("%s: queued error %q, one by one %q", fault, msgs[0], msgs[1])
		}
	}
}

// slowQueue queues requests on an instant device: each runs when it is
// started, and its wait returns the answer, after delay for a DNLOAD, or
// the error of a context that ended meanwhile.
type slowQueue struct {
	instant
	delay time.Duration
}

func (d *slowQueue) StartControl(ctx context.Context, s usb.Setup, data []byte) (func() (int, error), error) {
	n, err := d.Control(ctx, s, data)
	return func() (int, error) {
		if s.Request == uint8(dfu.ReqDnload) {
			time.Sleep(d.delay)
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return n, err
	}, nil
}

// TestQueuedStatusKeepsItsDeadline: a DNLOAD answered later than a
// quarter of the poll's deadline does not end the context of the
// GETSTATUS queued behind it when the poll makes a fresh one.
func TestQueuedStatusKeepsItsDeadline(t *testing.T) {
	ctx := testContext(t)
	dev := &slowQueue{delay: 150 * time.Millisecond}
	// ProgramTimeout 10 ms: the poll's contexts last 510 ms and are
	// renewed after a quarter of that, 127 ms.
	c, err := dfu.Open(ctx, dev, 0, 0, &dfu.Options{ProgramTimeout: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Download(ctx, 0x08000000, make([]byte, 3*2048), nil); err != nil {
		t.Fatal(err)
	}
}
