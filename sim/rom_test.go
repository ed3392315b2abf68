package sim_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// wire speaks raw DFU requests to a simulated board, so these tests check
// the ROM against docs/PROTOCOL.md and not against our own host engine.
type wire struct {
	t     *testing.T
	w     *sim.World
	b     *sim.Board
	dev   usb.Device
	board string
}

func open(t *testing.T, spec string, opts sim.Options) *wire {
	t.Helper()
	specs, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	x := &wire{t: t, w: w, b: w.Boards()[0], board: spec}
	x.reopen()
	return x
}

func (x *wire) reopen() {
	x.t.Helper()
	devs, err := x.w.Devices(context.Background())
	if err != nil || len(devs) != 1 {
		x.t.Fatalf("devices: %v %v", devs, err)
	}
	x.dev, err = x.w.Open(context.Background(), devs[0])
	if err != nil {
		x.t.Fatal(err)
	}
}

func (x *wire) out(req uint8, value uint16, data []byte) error {
	_, err := x.dev.Control(context.Background(), usb.ClassInterfaceOut(req, value, 0, len(data)), data)
	return err
}

func (x *wire) in(req uint8, value uint16, n int) ([]byte, error) {
	buf := make([]byte, n)
	k, err := x.dev.Control(context.Background(), usb.ClassInterfaceIn(req, value, 0, n), buf)
	return buf[:k], err
}

type status struct {
	status, state uint8
	poll          time.Duration
}

func (x *wire) status() status {
	x.t.Helper()
	b, err := x.in(3, 0, 6)
	if err != nil {
		x.t.Fatalf("GETSTATUS: %v", err)
	}
	if len(b) != 6 {
		x.t.Fatalf("GETSTATUS answered %d bytes", len(b))
	}
	ms := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16
	return status{status: b[0], state: b[4], poll: time.Duration(ms) * time.Millisecond}
}

func (x *wire) want(state, st uint8) {
	x.t.Helper()
	s := x.status()
	if s.state != state || s.status != st {
		x.t.Fatalf("GETSTATUS = state %d status %d, want state %d status %d", s.state, s.status, state, st)
	}
}

// cmd sends a DfuSe command and runs it: dfuDNBUSY first, then the result.
func (x *wire) cmd(data ...byte) status {
	x.t.Helper()
	if err := x.out(1, 0, data); err != nil {
		x.t.Fatalf("DNLOAD command % x: %v", data, err)
	}
	busy := x.status()
	if busy.state != 4 || busy.status != 0 {
		x.t.Fatalf("first GETSTATUS after command = state %d status %d, want dfuDNBUSY", busy.state, busy.status)
	}
	s := x.status()
	s.poll = busy.poll
	return s
}

func addrCmd(op byte, a uint32) []byte {
	b := []byte{op, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[1:], a)
	return b
}

func (x *wire) block(n uint16, data []byte) status {
	x.t.Helper()
	if err := x.out(1, n, data); err != nil {
		x.t.Fatalf("DNLOAD block %d: %v", n, err)
	}
	if s := x.status(); s.state != 4 {
		x.t.Fatalf("after block: state %d, want dfuDNBUSY", s.state)
	}
	return x.status()
}

func TestROMDescriptors(t *testing.T) {
	x := open(t, "discovery-f407:dfu", sim.Options{})
	d := x.dev.Info().Descriptors
	if d.Device.Vendor != 0x0483 || d.Device.Product != 0xdf11 || d.Device.Device != 0x2100 {
		t.Errorf("ids %04x:%04x bcd %04x", d.Device.Vendor, d.Device.Product, d.Device.Device)
	}
	if d.ProductName() != "STM32  BOOTLOADER" || d.Manufacturer() != "STMicroelectronics" {
		t.Errorf("strings %q %q", d.ProductName(), d.Manufacturer())
	}
	want := []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 g",
		"@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
		"@Device Feature/0xFFFF0000/01*004 g",
	}
	// Read everything through GET_DESCRIPTOR as a host would.
	buf := make([]byte, 512)
	n, err := x.dev.Control(context.Background(), usb.Setup{RequestType: usb.DirIn, Request: usb.ReqGetDescriptor, Value: usb.DescConfiguration << 8, Length: 512}, buf)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := usb.ParseConfigDescriptor(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Interfaces) != 4 {
		t.Fatalf("%d alt settings, want 4", len(cfg.Interfaces))
	}
	for i, itf := range cfg.Interfaces {
		if itf.Class != 0xFE || itf.SubClass != 1 || itf.Protocol != 2 || itf.Alternate != uint8(i) {
			t.Errorf("alt %d: %+v", i, itf)
		}
		s, err := usb.ReadString(context.Background(), x.dev, itf.StringIndex)
		if err != nil || s != want[i] {
			t.Errorf("alt %d name %q (%v), want %q", i, s, err, want[i])
		}
	}
	fd := cfg.Interfaces[3].Extra
	if len(fd) != 1 || !bytes.Equal(fd[0], []byte{9, 0x21, 0x0B, 255, 0, 0x00, 0x08, 0x1A, 0x01}) {
		t.Errorf("functional descriptor % x", fd)
	}
}

func TestROMSerial(t *testing.T) {
	// docs/PROTOCOL.md section 3's worked example.
	uid := [12]byte{0x30, 0x00, 0x2d, 0x00, 0x0b, 0x51, 0x34, 0x33, 0x33, 0x35, 0x31, 0x32}
	if got := sim.ROMSerial(uid); got != "325E35633334" {
		t.Errorf("ROMSerial = %s, want 325E35633334", got)
	}
	if got := sim.UIDSerial(uid); got != "30002D000B51343333353132" {
		t.Errorf("UIDSerial = %s", got)
	}
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}, {Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	devs, _ := w.Devices(context.Background())
	if len(devs) != 2 || devs[0].Descriptors.Serial() == devs[1].Descriptors.Serial() {
		t.Fatalf("two boards of one model must differ in serial: %v", devs)
	}
	if devs[0].Descriptors.Serial() != "325E35633334" {
		t.Errorf("first feather serial %s", devs[0].Descriptors.Serial())
	}
}

func TestROMStateMachine(t *testing.T) {
	x := open(t, "nucleo-f446re:dfu", sim.Options{})
	x.want(2, 0)
	// GETSTATE in dfuIDLE.
	if b, err := x.in(5, 0, 1); err != nil || b[0] != 2 {
		t.Fatalf("GETSTATE = %v %v", b, err)
	}
	// CLRSTATUS outside dfuERROR: ST's code enters dfuERROR/errUNKNOWN.
	if err := x.out(4, 0, nil); err != nil {
		t.Fatal(err)
	}
	x.want(10, 14)
	// In dfuERROR only CLRSTATUS helps; ABORT stalls.
	if err := x.out(6, 0, nil); !errors.Is(err, usb.ErrStall) {
		t.Fatalf("ABORT in dfuERROR: %v, want stall", err)
	}
	if err := x.out(4, 0, nil); err != nil {
		t.Fatal(err)
	}
	x.want(2, 0)
	// Get Commands: UPLOAD block 0 -> dfuUPLOAD-IDLE.
	b, err := x.in(2, 0, 64)
	if err != nil || !bytes.Equal(b, []byte{0x00, 0x21, 0x41, 0x92}) {
		t.Fatalf("Get Commands = % x %v", b, err)
	}
	x.want(9, 0)
	// DNLOAD in dfuUPLOAD-IDLE: stall, dfuERROR/errSTALLEDPKT.
	if err := x.out(1, 0, addrCmd(0x21, 0x08000000)); !errors.Is(err, usb.ErrStall) {
		t.Fatalf("DNLOAD in upload-idle: %v", err)
	}
	x.want(10, 15)
	_ = x.out(4, 0, nil)
	// Set Address: dfuDNLOAD-SYNC -> dfuDNBUSY -> dfuDNLOAD-IDLE.
	if s := x.cmd(addrCmd(0x21, 0x08004000)...); s.state != 5 || s.status != 0 {
		t.Fatalf("Set Address: %+v", s)
	}
	// GETSTATE in dfuDNLOAD-IDLE, then ABORT back to dfuIDLE.
	if b, _ := x.in(5, 0, 1); b[0] != 5 {
		t.Fatalf("GETSTATE = %d, want 5", b[0])
	}
	if err := x.out(6, 0, nil); err != nil {
		t.Fatal(err)
	}
	x.want(2, 0)
	// Bad address: dfuERROR/errTARGET.
	if s := x.cmd(addrCmd(0x21, 0x08080000)...); s.state != 10 || s.status != 1 {
		t.Fatalf("Set Address outside flash: %+v, want dfuERROR/errTARGET", s)
	}
	_ = x.out(4, 0, nil)
	// Unknown DfuSe command: errUNKNOWN.
	if s := x.cmd(0x55); s.state != 10 || s.status != 14 {
		t.Fatalf("unknown command: %+v", s)
	}
	_ = x.out(4, 0, nil)
	// wBlockNum 1 is invalid.
	if err := x.out(1, 1, []byte{1, 2, 3, 4}); !errors.Is(err, usb.ErrStall) {
		t.Fatalf("block 1: %v", err)
	}
	x.want(10, 15)
	_ = x.out(4, 0, nil)
	// DETACH is not a DFU-mode request.
	if err := x.out(0, 1000, nil); !errors.Is(err, usb.ErrStall) {
		t.Fatalf("DETACH: %v", err)
	}
	x.want(10, 15)
}

func TestROMStartsInError(t *testing.T) {
	x := open(t, "feather-f405:dfu", sim.Options{})
	x.want(10, 10)
	if err := x.out(4, 0, nil); err != nil {
		t.Fatal(err)
	}
	x.want(2, 0)
}

func TestROMFlashPhysics(t *testing.T) {
	x := open(t, "nucleo-f446re:dfu", sim.Options{})
	// Sector 1 (0x08004000, 16 KB): erase, program, read back.
	if s := x.cmd(addrCmd(0x41, 0x08004000)...); s.state != 5 || s.poll != 250*time.Millisecond {
		t.Fatalf("erase: %+v (want poll 250ms for a 16 KB sector)", s)
	}
	if s := x.cmd(addrCmd(0x21, 0x08004000)...); s.state != 5 {
		t.Fatal(s)
	}
	data := bytes.Repeat([]byte{0xF0, 0x0F, 0x55, 0xAA}, 512)
	if s := x.block(2, data); s.state != 5 || s.status != 0 {
		t.Fatalf("program block 2: %+v", s)
	}
	// Programming again can only clear bits: result is old AND new.
	if s := x.block(2, bytes.Repeat([]byte{0x3C}, 2048)); s.state != 5 {
		t.Fatal(s)
	}
	// Block 3 lands 2048 bytes further.
	if s := x.block(3, []byte{1, 2, 3}); s.state != 5 {
		t.Fatal(s)
	}
	_ = x.out(6, 0, nil)
	got, err := x.in(2, 2, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if want := data[i] & 0x3C; got[i] != want {
			t.Fatalf("byte %d = %02x, want %02x", i, got[i], want)
		}
	}
	got, _ = x.in(2, 3, 5)
	if !bytes.Equal(got, []byte{1, 2, 3, 0xFF, 0xFF}) {
		t.Fatalf("block 3 = % x", got)
	}
	// A data block outside flash: errTARGET.
	_ = x.out(6, 0, nil)
	x.cmd(addrCmd(0x21, 0x0807F800)...)
	if s := x.block(3, []byte{0}); s.state != 10 || s.status != 1 {
		t.Fatalf("block past the end: %+v", s)
	}
	_ = x.out(4, 0, nil)
	// Mass erase.
	if s := x.cmd(0x41); s.state != 5 {
		t.Fatal(s)
	}
	for i, v := range x.b.Flash() {
		if v != 0xFF {
			t.Fatalf("after mass erase byte %d = %02x", i, v)
		}
	}
}

func TestROMTiming(t *testing.T) {
	x := open(t, "feather-f405:dfu", sim.Options{})
	_ = x.out(4, 0, nil)
	t0 := x.b.Clock().Elapsed()
	s := x.cmd(0x41)
	if s.poll != 100*time.Millisecond {
		t.Errorf("F405 mass erase reports %v, want the ROM's 100 ms", s.poll)
	}
	if d := x.b.Clock().Elapsed() - t0; d < 8*time.Second || d > 8100*time.Millisecond {
		t.Errorf("mass erase of 1 MB took %v of board time, want about 8 s", d)
	}
	t0 = x.b.Clock().Elapsed()
	s = x.cmd(addrCmd(0x41, 0x08020000)...)
	if s.poll != time.Second {
		t.Errorf("128 KB sector erase reports %v, want 1s", s.poll)
	}
	if d := x.b.Clock().Elapsed() - t0; d < time.Second || d > 1100*time.Millisecond {
		t.Errorf("128 KB erase took %v", d)
	}
}

func TestROMReadProtection(t *testing.T) {
	x := open(t, "nucleo-f446re:dfu", sim.Options{})
	ob := x.b.OptionBytes(0)
	ob[1] = 0x00 // level 1
	x.b.SetOptionBytes(0, ob)
	x.b.Reset()
	x.reopen()
	if x.b.RDPLevel() != 1 {
		t.Fatal("not level 1")
	}
	// Set Address is allowed; UPLOAD and erase are not.
	if s := x.cmd(addrCmd(0x21, 0x08000000)...); s.state != 5 {
		t.Fatalf("Set Address under RDP1: %+v", s)
	}
	_ = x.out(6, 0, nil)
	if _, err := x.in(2, 2, 16); !errors.Is(err, usb.ErrStall) {
		t.Fatalf("UPLOAD under RDP1: %v", err)
	}
	x.want(10, 11)
	_ = x.out(4, 0, nil)
	if s := x.cmd(addrCmd(0x41, 0x08000000)...); s.state != 10 || s.status != 11 {
		t.Fatalf("erase under RDP1: %+v", s)
	}
	_ = x.out(4, 0, nil)
	// Option bytes stay readable at level 1 (RM0090 table 18).
	if err := x.dev.SetAlternate(context.Background(), 0, 1); err != nil {
		t.Fatal(err)
	}
	ob2, err := x.in(2, 2, 16)
	if err != nil || ob2[1] != 0x00 {
		t.Fatalf("option bytes under RDP1: % x %v", ob2, err)
	}
	_ = x.out(6, 0, nil)
	// Read Unprotect: mass erase, level 0, reset (the device disappears).
	if err := x.out(1, 0, []byte{0x92}); err != nil {
		t.Fatal(err)
	}
	if s := x.status(); s.state != 4 {
		t.Fatalf("unprotect: %+v", s)
	}
	if _, err := x.in(3, 0, 6); !errors.Is(err, usb.ErrGone) {
		t.Fatalf("after unprotect the device must reset: %v", err)
	}
	if x.b.RDPLevel() != 0 {
		t.Fatal("still protected")
	}
	for _, v := range x.b.Flash()[:64] {
		if v != 0xFF {
			t.Fatal("flash not erased by the RDP 1 -> 0 change")
		}
	}
	x.reopen()
	x.want(2, 0)
}

func TestROMWriteProtection(t *testing.T) {
	x := open(t, "nucleo-f446re:dfu", sim.Options{})
	ob := x.b.OptionBytes(0)
	ob[8] &^= 1 << 1 // protect sector 1
	x.b.SetOptionBytes(0, ob)
	x.b.Reset()
	x.reopen()
	before := x.b.Flash()[0x4000:0x4010]
	_ = before
	if err := x.b.WriteFlash(0x08004000, []byte{0x12, 0x34}); err != nil {
		t.Fatal(err)
	}
	// Erasing a write-protected sector reports no error and erases nothing.
	if s := x.cmd(addrCmd(0x41, 0x08004000)...); s.state != 5 || s.status != 0 {
		t.Fatalf("erase of WRP sector: %+v", s)
	}
	if f := x.b.Flash(); f[0x4000] != 0x12 {
		t.Fatal("write-protected sector was erased")
	}
	x.cmd(addrCmd(0x21, 0x08004000)...)
	if s := x.block(2, []byte{0}); s.state != 10 || s.status != 3 {
		t.Fatalf("program of WRP sector: %+v, want errWRITE", s)
	}
}

func TestROMOptionBytesWriteResets(t *testing.T) {
	x := open(t, "nucleo-f446re:dfu", sim.Options{})
	if err := x.dev.SetAlternate(context.Background(), 0, 1); err != nil {
		t.Fatal(err)
	}
	ob, err := x.in(2, 2, 16)
	if err != nil {
		t.Fatal(err)
	}
	if ob[0] != 0xEF || ob[1] != 0xAA || ob[8] != 0xFF || ob[9] != 0x0F {
		t.Fatalf("factory option bytes % x", ob)
	}
	_ = x.out(6, 0, nil)
	ob[8] = 0xFE // write-protect sector 0
	x.cmd(addrCmd(0x21, 0x1FFFC000)...)
	if err := x.out(1, 2, ob); err != nil {
		t.Fatal(err)
	}
	if s := x.status(); s.state != 4 {
		t.Fatal(s)
	}
	if _, err := x.in(3, 0, 6); !errors.Is(err, usb.ErrGone) {
		t.Fatalf("option byte write must reset the chip: %v", err)
	}
	if got := x.b.OptionBytes(0); got[8] != 0xFE {
		t.Fatalf("option bytes after write % x", got)
	}
}

func TestROMOTP(t *testing.T) {
	x := open(t, "discovery-f407:dfu", sim.Options{})
	if err := x.dev.SetAlternate(context.Background(), 0, 2); err != nil {
		t.Fatal(err)
	}
	x.cmd(addrCmd(0x21, 0x1FFF7800)...)
	if s := x.block(2, []byte{0x11, 0x22}); s.state != 5 {
		t.Fatal(s)
	}
	// Lock block 0 (lock byte at offset 512).
	x.cmd(addrCmd(0x21, 0x1FFF7A00)...)
	if s := x.block(2, []byte{0x00}); s.state != 5 {
		t.Fatal(s)
	}
	x.cmd(addrCmd(0x21, 0x1FFF7800)...)
	if s := x.block(2, []byte{0x01}); s.state != 10 || s.status != 3 {
		t.Fatalf("write to locked OTP block: %+v", s)
	}
}

func TestLeaveBootsApplication(t *testing.T) {
	for _, answers := range []bool{false, true} {
		x := open(t, "nucleo-f446re:dfu", sim.Options{LeaveAnswersStatus: answers})
		x.cmd(addrCmd(0x21, 0x08000000)...)
		if err := x.out(1, 0, nil); err != nil {
			t.Fatal(err)
		}
		b, err := x.in(3, 0, 6)
		if answers {
			if err != nil || b[4] != 7 {
				t.Fatalf("manifest GETSTATUS = % x %v, want dfuMANIFEST", b, err)
			}
		} else if !errors.Is(err, usb.ErrGone) {
			t.Fatalf("manifest GETSTATUS: %v, want the device gone", err)
		}
		st := x.b.State()
		if st.Run != sim.RunApp || st.Persona != "circuitpython" {
			t.Fatalf("after leave: %+v", st)
		}
		g := x.b.Gadget()
		if g == nil || g.Descriptors().Device.Vendor != 0x239A {
			t.Fatal("application did not enumerate")
		}
	}
}

func TestBootChecks(t *testing.T) {
	cases := []struct {
		name   string
		msp    uint32
		reset  uint32
		wantOK bool
	}{
		{"stack at end of SRAM", 0x20020000, 0x08000201, true},
		{"stack in SRAM", 0x20001000, 0x08000201, true},
		{"stack at start of SRAM", 0x20000000, 0x08000201, false},
		{"stack past SRAM", 0x20020004, 0x08000201, false},
		{"stack at end of CCM", 0x10010000, 0x08000201, true},
		{"even reset vector", 0x20020000, 0x08000200, false},
		{"reset vector outside flash", 0x20020000, 0x00000201, false},
		{"erased", 0xFFFFFFFF, 0xFFFFFFFF, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := sim.New([]sim.Spec{{Board: "feather-f405"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			vt := make([]byte, 8)
			binary.LittleEndian.PutUint32(vt, c.msp)
			binary.LittleEndian.PutUint32(vt[4:], c.reset)
			// Erase the sector first so the persona marker is gone.
			_ = b.WriteFlash(0x08000000, bytes.Repeat([]byte{0xFF}, 16<<10))
			_ = b.WriteFlash(0x08000000, vt)
			b.Reset()
			st := b.State()
			if ok := st.Run == sim.RunApp; ok != c.wantOK {
				t.Fatalf("state %+v, want running=%v", st, c.wantOK)
			}
			if !c.wantOK && st.Reason == "" {
				t.Error("a hung board must say why")
			}
			if b.Gadget() != nil {
				t.Error("a generic application or a hung chip has no USB")
			}
		})
	}
}

func TestBoot0AndHSEMiss(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405"}}, sim.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	if st := b.State(); st.Run != sim.RunApp || st.Persona != "circuitpython" {
		t.Fatalf("factory board: %+v", st)
	}
	b.SetBoot0(true)
	boots := b.State().Boots
	for range 20 {
		b.Reset()
	}
	st := b.State()
	if st.Run != sim.RunROM {
		t.Fatalf("BOOT0 + reset: %+v", st)
	}
	// 20 ROM starts with a 7/12 miss rate: the crystal misses add boots.
	if extra := st.Boots - boots - 20; extra < 10 {
		t.Errorf("only %d crystal misses in 20 ROM starts with p=7/12", extra)
	}
}

func TestParseSpecs(t *testing.T) {
	s, err := sim.ParseSpecs("feather-f405, nucleo-f446re:dfu")
	if err != nil || len(s) != 2 || s[1].Mode != "dfu" {
		t.Fatalf("%v %v", s, err)
	}
	for _, bad := range []string{"", "nope", "feather-f405:sideways"} {
		if _, err := sim.ParseSpecs(bad); err == nil {
			t.Errorf("ParseSpecs(%q) accepted", bad)
		}
	}
}
