package dfu_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// bench is one simulated board in its ROM bootloader, opened through the
// engine, with a log of the DFU requests the engine sent.
type bench struct {
	t    *testing.T
	ctx  context.Context
	w    *sim.World
	b    *sim.Board
	dev  usb.Device
	c    *dfu.Conn
	log  []string
	wrap func(usb.Device) usb.Device
	opts dfu.Options
}

func newBench(t *testing.T, spec string, simop sim.Options) *bench {
	t.Helper()
	specs, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, simop)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	x := &bench{t: t, ctx: ctx, w: w, b: w.Boards()[0]}
	x.opts.Log = func(line string) { x.log = append(x.log, line) }
	x.reopen(0)
	return x
}

// reopen opens the board's current device again (after a reset) on alt.
func (x *bench) reopen(alt uint8) {
	x.t.Helper()
	devs, err := x.w.Devices(x.ctx)
	if err != nil || len(devs) != 1 {
		x.t.Fatalf("devices: %v %v", devs, err)
	}
	x.dev, err = x.w.Open(x.ctx, devs[0])
	if err != nil {
		x.t.Fatal(err)
	}
	if x.wrap != nil {
		x.dev = x.wrap(x.dev)
	}
	x.c, err = dfu.Open(x.ctx, x.dev, 0, alt, &x.opts)
	if err != nil {
		x.t.Fatal(err)
	}
	x.log = nil
}

// requests returns the request names logged since the last call.
func (x *bench) requests() []string {
	var out []string
	for _, l := range x.log {
		out = append(out, strings.Fields(l)[0])
	}
	x.log = nil
	return out
}

func (x *bench) state() dfu.State {
	x.t.Helper()
	s, err := x.c.GetState(x.ctx)
	if err != nil {
		x.t.Fatal(err)
	}
	return s
}

func TestOpen(t *testing.T) {
	x := newBench(t, "discovery-f407:dfu", sim.Options{})
	if f := x.c.Functional(); f != (dfu.Functional{Attributes: 0x0b, DetachTimeout: 255, TransferSize: 2048, Version: dfu.VersionDfuSe}) {
		t.Errorf("functional descriptor %+v", f)
	}
	if got, want := x.c.AltName(), "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"; got != want {
		t.Errorf("alt name %q, want %q", got, want)
	}
	if l := x.c.Layout(); l.Name != "Internal Flash" || len(l.All()) != 12 {
		t.Errorf("layout %+v", l)
	}
	if got := len(x.c.Interface().Alts); got != 4 {
		t.Errorf("%d alternate settings, want 4", got)
	}
	cmds, err := x.c.GetCommands(x.ctx)
	if err != nil || !bytes.Equal(cmds, []byte{0x00, 0x21, 0x41, 0x92}) {
		t.Errorf("GetCommands = % x, %v", cmds, err)
	}
	if err := x.c.SelectAlt(x.ctx, 1); err != nil || x.c.Layout().Name != "Option Bytes" {
		t.Errorf("SelectAlt(1): %v, layout %q", err, x.c.Layout().Name)
	}
	if err := x.c.SelectAlt(x.ctx, 7); err == nil || !strings.Contains(err.Error(), "no alternate setting 7; it has 0, 1, 2, 3") {
		t.Errorf("SelectAlt(7) error = %v", err)
	}
	if _, err := dfu.Open(x.ctx, x.dev, 1, 0, nil); err == nil || !strings.Contains(err.Error(), "no DFU interface 1; its DFU interfaces are 0") {
		t.Errorf("Open(iface 1) error = %v", err)
	}
}

// TestRecover drives the ROM into every state it can be left in and checks
// that Recover reaches dfuIDLE with the right requests, never CLRSTATUS
// outside dfuERROR.
func TestRecover(t *testing.T) {
	tests := []struct {
		name  string
		spec  string
		setup func(x *bench)
		from  dfu.State
		want  []string
	}{
		{"idle", "nucleo-f446re:dfu", func(x *bench) {}, dfu.StateIdle, []string{"GETSTATUS"}},
		{"fresh ROM in dfuERROR/errFIRMWARE", "feather-f405:dfu", func(x *bench) {}, dfu.StateError,
			[]string{"GETSTATUS", "CLRSTATUS", "GETSTATUS"}},
		{"dfuERROR/errUNKNOWN after a stray CLRSTATUS", "nucleo-f446re:dfu", func(x *bench) {
			_ = x.c.ClearStatus(x.ctx)
		}, dfu.StateError, []string{"GETSTATUS", "CLRSTATUS", "GETSTATUS"}},
		{"dfuDNLOAD-IDLE", "nucleo-f446re:dfu", func(x *bench) {
			_ = x.c.SetAddress(x.ctx, 0x08004000)
		}, dfu.StateDnloadIdle, []string{"GETSTATUS", "ABORT", "GETSTATUS"}},
		{"dfuUPLOAD-IDLE", "nucleo-f446re:dfu", func(x *bench) {
			_, _ = x.c.UploadBlock(x.ctx, 0, make([]byte, 64))
		}, dfu.StateUploadIdle, []string{"GETSTATUS", "ABORT", "GETSTATUS"}},
		{"dfuDNLOAD-SYNC (the pending command runs)", "nucleo-f446re:dfu", func(x *bench) {
			_ = x.c.DownloadBlock(x.ctx, 0, []byte{0x21, 0, 0x40, 0, 0x08})
		}, dfu.StateDnloadSync, []string{"GETSTATUS", "GETSTATUS", "ABORT", "GETSTATUS"}},
		{"dfuDNBUSY (erasing)", "nucleo-f446re:dfu", func(x *bench) {
			_ = x.c.DownloadBlock(x.ctx, 0, []byte{0x41, 0, 0x40, 0, 0x08})
			_, _ = x.c.GetStatus(x.ctx)
		}, dfu.StateDnbusy, []string{"GETSTATUS", "ABORT", "GETSTATUS"}},
		{"dfuERROR/errTARGET", "nucleo-f446re:dfu", func(x *bench) {
			_ = x.c.SetAddress(x.ctx, 0x09000000)
		}, dfu.StateError, []string{"GETSTATUS", "CLRSTATUS", "GETSTATUS"}},
		{"dfuERROR/errSTALLEDPKT after block 1", "nucleo-f446re:dfu", func(x *bench) {
			_ = x.c.DownloadBlock(x.ctx, 1, []byte{1})
		}, dfu.StateError, []string{"GETSTATUS", "CLRSTATUS", "GETSTATUS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newBench(t, tt.spec, sim.Options{})
			tt.setup(x)
			if s := x.state(); s != tt.from {
				t.Fatalf("setup left the device in %v, want %v", s, tt.from)
			}
			x.requests()
			if err := x.c.Recover(x.ctx); err != nil {
				t.Fatal(err)
			}
			if got := x.requests(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("requests %v, want %v", got, tt.want)
			}
			if s := x.state(); s != dfu.StateIdle {
				t.Errorf("after Recover the device is in %v", s)
			}
		})
	}
}

func TestRecoverRefusesLeftStates(t *testing.T) {
	// A run-time application: Recover explains instead of clearing.
	x := newBench(t, "nucleo-f446re:runtime", sim.Options{})
	if !x.c.Interface().RunTime() || len(x.c.Layout().Regions) != 0 {
		t.Fatalf("run-time interface %+v, layout %+v", x.c.Interface(), x.c.Layout())
	}
	if err := x.c.Recover(x.ctx); err == nil || !strings.Contains(err.Error(), "run-time mode (appIDLE): detach it into DFU mode first") {
		t.Errorf("Recover in appIDLE: %v", err)
	}
	if err := x.c.Detach(x.ctx, time.Second); err != nil {
		t.Errorf("Detach: %v", err)
	}
	// In dfuMANIFEST-SYNC the GETSTATUS that starts every recovery makes
	// the ROM leave, as DFU says it must.
	z := newBench(t, "nucleo-f446re:dfu", sim.Options{})
	if err := z.c.DownloadBlock(z.ctx, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := z.c.Recover(z.ctx); !errors.Is(err, usb.ErrGone) || z.b.State().Run != sim.RunApp {
		t.Errorf("Recover in dfuMANIFEST-SYNC: %v, board %+v", err, z.b.State())
	}
	// After a leave the device is gone: Recover says so.
	y := newBench(t, "nucleo-f446re:dfu", sim.Options{LeaveAnswersStatus: true})
	if err := y.c.Leave(y.ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := y.c.Recover(y.ctx); !errors.Is(err, usb.ErrGone) {
		t.Errorf("Recover after leave: %v", err)
	}
}

func TestStatusErrors(t *testing.T) {
	x := newBench(t, "discovery-f407:dfu", sim.Options{})
	var se *dfu.StatusError
	err := x.c.SetAddress(x.ctx, 0x09000000)
	if !errors.As(err, &se) || se.State != dfu.StateError || se.Status != dfu.ErrTarget || se.Op != "set address 0x09000000" {
		t.Fatalf("SetAddress outside flash: %v", err)
	}
	// The next operation recovers first.
	if err := x.c.SetAddress(x.ctx, 0x08000000); err != nil {
		t.Fatalf("after errTARGET: %v", err)
	}
	// A block running past the end of flash: errTARGET on that block.
	err = x.c.Download(x.ctx, 0x080ff000, make([]byte, 0x2000), nil)
	if !errors.As(err, &se) || se.Status != dfu.ErrTarget || !strings.Contains(se.Op, "(2048 bytes at 0x08100000)") {
		t.Fatalf("Download past the end: %v", err)
	}
	if err := x.c.Erase(x.ctx, 0x08100000); !errors.As(err, &se) || se.Status != dfu.ErrTarget {
		t.Fatalf("Erase outside flash: %v", err)
	}
	if err := x.c.Erase(x.ctx, 0x08000000); err != nil {
		t.Fatalf("Erase after errTARGET: %v", err)
	}
}

func TestDownloadUploadRoundTrip(t *testing.T) {
	x := newBench(t, "discovery-f407:dfu", sim.Options{})
	if err := x.c.MassErase(x.ctx); err != nil {
		t.Fatal(err)
	}
	addr := uint32(0x08000000)
	for _, n := range []int{0, 1, 2, 2047, 2048, 2049, 10000} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*31 + n)
		}
		x.requests()
		var progress []int
		if err := x.c.Download(x.ctx, addr, data, func(d int) { progress = append(progress, d) }); err != nil {
			t.Fatalf("Download %d bytes: %v", n, err)
		}
		blocks := (n + 2047) / 2048
		var dn []string
		for _, l := range x.log {
			if strings.HasPrefix(l, "DNLOAD") {
				dn = append(dn, strings.Fields(l)[3]) // wValue
			}
		}
		var want []string
		if n > 0 {
			want = append(want, "0000") // one Set Address
			for b := range blocks {
				want = append(want, []string{"0002", "0003", "0004", "0005", "0006"}[b])
			}
		}
		if !reflect.DeepEqual(dn, want) {
			t.Errorf("%d bytes: DNLOAD block numbers %v, want %v", n, dn, want)
		}
		if len(progress) != blocks || blocks > 0 && progress[blocks-1] != n {
			t.Errorf("%d bytes: progress %v", n, progress)
		}
		if got := x.b.Flash()[addr-0x08000000:][:n]; !bytes.Equal(got, data) {
			t.Errorf("%d bytes: flash differs from what was downloaded", n)
		}
		back, err := x.c.Upload(x.ctx, addr, n, nil)
		if err != nil || !bytes.Equal(back, data) {
			t.Errorf("Upload %d bytes: %v (equal %v)", n, err, bytes.Equal(back, data))
		}
		addr += uint32(n) + 3 // odd addresses too
	}
}

func TestLeave(t *testing.T) {
	for _, answers := range []bool{false, true} {
		x := newBench(t, "nucleo-f446re:dfu", sim.Options{LeaveAnswersStatus: answers})
		x.b.SetBoot0(false)
		app := sim.AppImage(x.b.Part(), "circuitpython", 4096)
		if err := x.c.Erase(x.ctx, 0x08000000); err != nil {
			t.Fatal(err)
		}
		if err := x.c.Download(x.ctx, 0x08000000, app, nil); err != nil {
			t.Fatal(err)
		}
		at := uint32(0x08000000)
		if err := x.c.Leave(x.ctx, &at); err != nil {
			t.Fatalf("Leave (answers %v): %v", answers, err)
		}
		if st := x.b.State(); st.Run != sim.RunApp || st.Persona != "circuitpython" {
			t.Errorf("after Leave (answers %v) the board runs %+v", answers, st)
		}
	}
}

func TestReadProtection(t *testing.T) {
	x := newBench(t, "nucleo-f446re:dfu", sim.Options{})
	ob := x.b.OptionBytes(0)
	ob[1] = 0x00 // RDP level 1
	x.b.SetOptionBytes(0, ob)
	x.b.Reset()
	x.reopen(0)
	var se *dfu.StatusError
	_, err := x.c.Upload(x.ctx, 0x08000000, 16, nil)
	if !errors.As(err, &se) || se.State != dfu.StateError || se.Status != dfu.ErrVendor || !errors.Is(err, usb.ErrStall) {
		t.Fatalf("Upload under RDP 1: %v", err)
	}
	if !strings.Contains(err.Error(), "read-protected") {
		t.Errorf("error does not say what to do: %v", err)
	}
	if err := x.c.Erase(x.ctx, 0x08000000); !errors.As(err, &se) || se.Status != dfu.ErrVendor {
		t.Fatalf("Erase under RDP 1: %v", err)
	}
	if err := x.c.ReadUnprotect(x.ctx); err != nil {
		t.Fatalf("ReadUnprotect: %v", err)
	}
	if x.b.RDPLevel() != 0 {
		t.Fatal("still protected after ReadUnprotect")
	}
	x.reopen(0)
	got, err := x.c.Upload(x.ctx, 0x08000000, 64, nil)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte{0xff}, 64)) {
		t.Fatalf("after unprotect: % x, %v", got, err)
	}
}

func TestWriteOptionBytes(t *testing.T) {
	x := newBench(t, "nucleo-f446re:dfu", sim.Options{})
	x.reopen(1)
	ob, err := x.c.Upload(x.ctx, 0x1fffc000, 16, nil)
	if err != nil {
		t.Fatal(err)
	}
	ob[8] &^= 1 << 1 // write-protect sector 1
	reset, err := x.c.WriteOptionBytes(x.ctx, 0x1fffc000, ob)
	if err != nil || !reset {
		t.Fatalf("WriteOptionBytes = %v, %v; want a reset", reset, err)
	}
	if got := x.b.OptionBytes(0); got[8] != ob[8] {
		t.Fatalf("option bytes % x", got)
	}
	x.reopen(1)
	if _, err := x.c.WriteOptionBytes(x.ctx, 0x08000000, ob); err == nil || !strings.Contains(err.Error(), "not inside the writable map") {
		t.Errorf("WriteOptionBytes outside the alt: %v", err)
	}
	// A write-protected sector: erase reports nothing, programming errWRITE.
	x.reopen(0)
	if err := x.c.Erase(x.ctx, 0x08004000); err != nil {
		t.Fatal(err)
	}
	var se *dfu.StatusError
	if err := x.c.Download(x.ctx, 0x08004000, []byte{0}, nil); !errors.As(err, &se) || se.Status != dfu.ErrWrite {
		t.Fatalf("programming a write-protected sector: %v", err)
	}
}

// stalling fails the first n GETSTATUS requests with err (a STALL, as some
// ROMs stall early polls; a backend's transfer timeout), in front of the
// real simulated device.
type stalling struct {
	usb.Device
	n   int
	err error
}

func (s *stalling) Control(ctx context.Context, setup usb.Setup, data []byte) (int, error) {
	if setup.Request == uint8(dfu.ReqGetStatus) && s.n > 0 {
		s.n--
		return 0, s.err
	}
	return s.Device.Control(ctx, setup, data)
}

func (s *stalling) Clock() usb.Clock { return usb.ClockOf(s.Device) }

func TestStalledPolls(t *testing.T) {
	for _, n := range []int{0, 3, 4} {
		x := newBench(t, "nucleo-f446re:dfu", sim.Options{})
		x.wrap = func(d usb.Device) usb.Device { return &stalling{Device: d, n: n, err: usb.ErrStall} }
		x.reopen(0)
		err := x.c.Recover(x.ctx)
		if ok := n <= 3; (err == nil) != ok || !ok && !errors.Is(err, usb.ErrStall) {
			t.Errorf("%d stalls: %v", n, err)
		}
	}
}

func TestTranscript(t *testing.T) {
	x := newBench(t, "nucleo-f446re:dfu", sim.Options{})
	if err := x.c.SetAddress(x.ctx, 0x08000000); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GETSTATUS a1 03 0000 0000 0006 -> in [00 00 00 00 02 00] (dfuIDLE/OK poll 0s)",
		"DNLOAD    21 01 0000 0000 0005 out [21 00 00 00 08] -> ok",
		"GETSTATUS a1 03 0000 0000 0006 -> in [00 01 00 00 04 00] (dfuDNBUSY/OK poll 1ms)",
		"GETSTATUS a1 03 0000 0000 0006 -> in [00 00 00 00 05 00] (dfuDNLOAD-IDLE/OK poll 0s)",
	}
	if !reflect.DeepEqual(x.log, want) {
		t.Errorf("transcript\n%s\nwant\n%s", strings.Join(x.log, "\n"), strings.Join(want, "\n"))
	}
}

func TestDeadline(t *testing.T) {
	x := newBench(t, "discovery-f407:dfu", sim.Options{})
	x.opts.MassEraseTimeout = time.Millisecond
	x.reopen(0)
	err := x.c.MassErase(x.ctx)
	var se *dfu.StatusError
	if !errors.As(err, &se) || se.State != dfu.StateDnbusy || !errors.Is(err, dfu.ErrStillBusy) {
		t.Fatalf("MassErase with a 1 ms deadline: %v", err)
	}
	// The next operation waits the erase out and recovers.
	start := x.c.Clock().Now()
	if err := x.c.SetAddress(x.ctx, 0x08000000); err != nil {
		t.Fatal(err)
	}
	if d := x.c.Clock().Now().Sub(start); d < 8*time.Second {
		t.Errorf("recovery took %v of device time; the 1 MiB mass erase takes 8 s", d)
	}
}

func TestPollTimeouts(t *testing.T) {
	x := newBench(t, "discovery-f407:dfu", sim.Options{})
	if err := x.c.Recover(x.ctx); err != nil {
		t.Fatal(err)
	}
	// GETSTATUS timing out while an erase runs is asked again.
	x.wrap = func(d usb.Device) usb.Device { return &stalling{Device: d, n: 0, err: usb.ErrTimeout} }
	x.reopen(0)
	if err := x.c.Recover(x.ctx); err != nil {
		t.Fatal(err)
	}
	st := x.dev.(*stalling)
	st.n = 5
	if err := x.c.Erase(x.ctx, 0x08000000); err != nil || st.n != 0 {
		t.Fatalf("Erase with %d timed-out polls left: %v", st.n, err)
	}
}

// standardLog records the standard requests sent through it, in front of
// the simulated device, and can refuse some of them with a STALL.
type standardLog struct {
	usb.Device
	sent        []string
	stallAlt    bool // stall every SET_INTERFACE
	stallConfig bool // stall every SET_CONFIGURATION
}

func (s *standardLog) Control(ctx context.Context, setup usb.Setup, data []byte) (int, error) {
	if setup.Type() == usb.TypeStandard {
		s.sent = append(s.sent, fmt.Sprintf("%d/%d", setup.Request, setup.Value))
		if s.stallAlt && setup.Request == usb.ReqSetInterface || s.stallConfig && setup.Request == usb.ReqSetConfiguration {
			return 0, usb.ErrStall
		}
	}
	return s.Device.Control(ctx, setup, data)
}

func (s *standardLog) SetAlternate(ctx context.Context, iface, alt uint8) error {
	_, err := s.Control(ctx, usb.Setup{RequestType: usb.RecipientInterface, Request: usb.ReqSetInterface, Value: uint16(alt), Index: uint16(iface)}, nil)
	return err
}

func (s *standardLog) Clock() usb.Clock { return usb.ClockOf(s.Device) }

// TestLostConfiguration: a ROM back in the Address state while the host
// lists it as configured (Linux keeping an earlier enumeration for a USB/IP
// import) is configured again when it stalls SET_INTERFACE; a configured
// device that stalls SET_INTERFACE is not touched.
func TestLostConfiguration(t *testing.T) {
	const (
		setIface, getConfig, setConfig = "11/1", "8/0", "9/1" // request/wValue
	)
	cases := []struct {
		name               string
		unconfigure        bool
		stallAlt, stallCfg bool
		want               []string
		wantErr            string
	}{
		{name: "lost", unconfigure: true, want: []string{setIface, getConfig, setConfig, setIface, "6/773"}},
		{name: "configured device stalls", stallAlt: true, want: []string{setIface, getConfig}, wantErr: "stalled"},
		{name: "refuses its configuration", unconfigure: true, stallCfg: true, want: []string{setIface, getConfig, setConfig}, wantErr: "refused to be configured again"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newBench(t, "discovery-f407:dfu", sim.Options{})
			dev := &standardLog{Device: x.dev}
			x.wrap = func(d usb.Device) usb.Device { dev.Device = d; return dev }
			x.reopen(0)
			if tc.unconfigure {
				if err := usb.SetConfiguration(x.ctx, x.dev, 0); err != nil {
					t.Fatal(err)
				}
			}
			dev.sent, dev.stallAlt, dev.stallConfig = nil, tc.stallAlt, tc.stallCfg
			err := x.c.SelectAlt(x.ctx, 1)
			if !reflect.DeepEqual(dev.sent, tc.want) {
				t.Errorf("standard requests %v, want %v", dev.sent, tc.want)
			}
			switch {
			case tc.wantErr == "" && (err != nil || x.c.Layout().Name != "Option Bytes"):
				t.Errorf("SelectAlt(1): %v, layout %q", err, x.c.Layout().Name)
			case tc.wantErr != "" && (!errors.Is(err, usb.ErrStall) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("SelectAlt(1) error %v, want a stall saying %q", err, tc.wantErr)
			}
		})
	}
}
