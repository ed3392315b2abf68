package sim_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strconv"
	"testing"
	"time"

	chipdb "github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// DFU states and statuses used below (docs/PROTOCOL.md section 2).
const (
	stIdle, stDnBusy, stDnIdle, stUpIdle, stError = 2, 4, 5, 9, 10
	okStatus, errTarget, errWrite, errVendor      = 0, 1, 3, 11
)

// ready clears the error some ROMs start in, leaving the ROM in dfuIDLE.
func (x *wire) ready() {
	x.t.Helper()
	if s := x.status(); s.state == stError {
		if err := x.out(4, 0, nil); err != nil {
			x.t.Fatal(err)
		}
	}
	x.want(stIdle, okStatus)
}

func (x *wire) alt(a uint8) {
	x.t.Helper()
	if err := x.dev.SetAlternate(context.Background(), 0, a); err != nil {
		x.t.Fatal(err)
	}
}

// read reads n bytes at addr of the current alternate setting; it returns
// the DFU status when the ROM refuses.
func (x *wire) read(addr uint32, n int) ([]byte, uint8) {
	x.t.Helper()
	if s := x.cmd(addrCmd(0x21, addr)...); s.state != stDnIdle {
		x.t.Fatalf("Set Address 0x%08x: %+v", addr, s)
	}
	_ = x.out(6, 0, nil)
	b, err := x.in(2, 2, n)
	if err != nil {
		s := x.status()
		_ = x.out(4, 0, nil)
		return nil, s.status
	}
	_ = x.out(6, 0, nil)
	return b, okStatus
}

// write programs data at addr of the current alternate setting and returns
// the final status (after dfuDNBUSY).
func (x *wire) write(addr uint32, data []byte) status {
	x.t.Helper()
	if s := x.cmd(addrCmd(0x21, addr)...); s.state != stDnIdle {
		x.t.Fatalf("Set Address 0x%08x: %+v", addr, s)
	}
	return x.block(2, data)
}

// clear leaves dfuERROR or a download/upload state for dfuIDLE.
func (x *wire) clear() {
	x.t.Helper()
	switch x.status().state {
	case stError:
		_ = x.out(4, 0, nil)
	case stDnIdle, stUpIdle:
		_ = x.out(6, 0, nil)
	}
	x.want(stIdle, okStatus)
}

func TestAltSettingRules(t *testing.T) {
	for _, c := range f4Model() {
		t.Run(c.board, func(t *testing.T) {
			x := open(t, c.board+":dfu", sim.Options{})
			x.ready()
			part := x.b.Part()
			last := part.Sectors[len(part.Sectors)-1]

			// Alt 0, main flash: read anywhere in flash, not past it;
			// erase sets a sector to 0xFF; programming only clears bits.
			x.alt(0)
			if _, st := x.read(last.Address+last.Size-16, 16); st != okStatus {
				t.Errorf("read the last 16 bytes of flash: status %d", st)
			}
			if s := x.cmd(addrCmd(0x21, last.Address+last.Size)...); s.state != stError || s.status != errTarget {
				t.Errorf("Set Address just past flash: %+v, want errTARGET", s)
			}
			x.clear()
			if s := x.cmd(addrCmd(0x41, last.Address)...); s.state != stDnIdle {
				t.Fatalf("erase last sector: %+v", s)
			}
			if s := x.write(last.Address, []byte{0x0F, 0xFF}); s.state != stDnIdle {
				t.Fatalf("program: %+v", s)
			}
			if s := x.write(last.Address, []byte{0xF0, 0x3C}); s.state != stDnIdle {
				t.Fatalf("program again: %+v", s)
			}
			x.clear()
			if b, _ := x.read(last.Address, 4); !bytes.Equal(b, []byte{0x00, 0x3C, 0xFF, 0xFF}) {
				t.Errorf("flash after two programs % x, want 00 3c ff ff (AND)", b)
			}
			if s := x.write(last.Address+last.Size-2, []byte{1, 2, 3, 4}); s.state != stError || s.status != errTarget {
				t.Errorf("block across the end of flash: %+v, want errTARGET", s)
			}
			x.clear()

			// Alt 1, option bytes: every block readable, factory values;
			// erase is not a command of this area.
			x.alt(1)
			// Factory values: FLASH_OPTCR 0x0FFFAAED (USER 0xEF with the
			// unused bits 1:0 set, RDP 0xAA, nWRP 0x0FFF); bank 2's block
			// repeats them (its first double word is reserved).
			for i, a := range part.OptionBlocks {
				want := []byte{0xEF, 0xAA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
				if b, st := x.read(a, 16); st != okStatus || !bytes.Equal(b, want) {
					t.Errorf("option block %d at 0x%08x: % x (status %d), want % x", i, a, b, st, want)
				}
			}
			if s := x.cmd(addrCmd(0x41, part.OptionBlocks[0])...); s.state != stError || s.status != errTarget {
				t.Errorf("erase on option bytes: %+v, want errTARGET", s)
			}
			x.clear()
			if s := x.write(part.OptionBlocks[0], []byte{1, 2, 3}); s.state != stError || s.status != errTarget {
				t.Errorf("short option-byte write: %+v, want errTARGET", s)
			}
			x.clear()

			// Alt 2, OTP: 512 data bytes and 16 lock bytes, write-once.
			x.alt(2)
			b, st := x.read(0x1FFF7800, 528)
			if st != okStatus || len(b) != 528 || !bytes.Equal(b, bytes.Repeat([]byte{0xFF}, 528)) {
				t.Fatalf("fresh OTP: %d bytes, status %d", len(b), st)
			}
			if s := x.write(0x1FFF7820, []byte{0x5A}); s.state != stDnIdle {
				t.Fatalf("OTP program: %+v", s)
			}
			if s := x.write(0x1FFF7820, []byte{0xFF}); s.state != stDnIdle {
				t.Fatalf("OTP program 0xFF: %+v", s)
			}
			x.clear()
			if b, _ := x.read(0x1FFF7820, 1); b[0] != 0x5A {
				t.Errorf("OTP byte went back to %02x: programming must not set bits", b[0])
			}
			// Lock block 1 (bytes 32..63): its lock byte is at offset 513.
			if s := x.write(0x1FFF7A01, []byte{0x00}); s.state != stDnIdle {
				t.Fatalf("OTP lock: %+v", s)
			}
			if s := x.write(0x1FFF7821, []byte{0x00}); s.state != stError || s.status != errWrite {
				t.Errorf("program in a locked OTP block: %+v, want errWRITE", s)
			}
			x.clear()
			if s := x.write(0x1FFF7800, []byte{0x00}); s.state != stDnIdle {
				t.Errorf("program in unlocked OTP block 0: %+v", s)
			}
			x.clear()
			if s := x.cmd(addrCmd(0x21, 0x1FFF7800+528)...); s.state != stError || s.status != errTarget {
				t.Errorf("Set Address past OTP: %+v", s)
			}
			x.clear()

			// Alt 3, device feature: 4 bytes.
			x.alt(3)
			if b, st := x.read(0xFFFF0000, 4); st != okStatus || len(b) != 4 {
				t.Errorf("device feature: % x status %d", b, st)
			}
			if s := x.cmd(addrCmd(0x21, 0xFFFF0004)...); s.state != stError || s.status != errTarget {
				t.Errorf("Set Address past device feature: %+v", s)
			}
		})
	}
}

// optionWrite writes option block i through the ROM and checks that the
// chip resets after the write.
func (x *wire) optionWrite(i int, blk []byte) {
	x.t.Helper()
	x.alt(1)
	x.cmd(addrCmd(0x21, x.b.Part().OptionBlocks[i])...)
	if err := x.out(1, 2, blk); err != nil {
		x.t.Fatal(err)
	}
	if s := x.status(); s.state != stDnBusy {
		x.t.Fatalf("option write: %+v, want dfuDNBUSY", s)
	}
	if _, err := x.in(3, 0, 6); !errors.Is(err, usb.ErrGone) {
		x.t.Fatalf("an option-byte write must reset the chip: %v", err)
	}
}

func TestReadProtection(t *testing.T) {
	for _, c := range f4Model() {
		t.Run(c.board, func(t *testing.T) {
			x := open(t, c.board+":dfu", sim.Options{})
			x.ready()
			flash0 := x.b.Flash()[:64]
			// Level 1 through the ROM: option bytes written, chip resets.
			ob := x.b.OptionBytes(0)
			ob[1] = 0x55
			x.optionWrite(0, ob[:])
			if x.b.RDPLevel() != 1 || x.b.State().Run != sim.RunROM {
				t.Fatalf("after RDP write: level %d, %v", x.b.RDPLevel(), x.b.State())
			}
			x.reopen()
			x.ready()
			// Flash unreadable and unerasable; option bytes still readable.
			if _, st := x.read(0x08000000, 64); st != errVendor {
				t.Errorf("read under RDP 1: status %d, want errVENDOR", st)
			}
			if s := x.cmd(addrCmd(0x41, 0x08000000)...); s.status != errVendor {
				t.Errorf("erase under RDP 1: %+v, want errVENDOR", s)
			}
			x.clear()
			if s := x.write(0x08000000, []byte{0}); s.status != errVendor {
				t.Errorf("program under RDP 1: %+v, want errVENDOR", s)
			}
			x.clear()
			x.alt(1)
			if b, st := x.read(0x1FFFC000, 16); st != okStatus || b[1] != 0x55 {
				t.Errorf("option bytes under RDP 1: % x status %d", b, st)
			}
			if !bytes.Equal(x.b.Flash()[:64], flash0) {
				t.Error("flash changed under RDP 1")
			}
			// Read Unprotect: mass erase, level 0, reset.
			x.alt(0)
			if err := x.out(1, 0, []byte{0x92}); err != nil {
				t.Fatal(err)
			}
			if s := x.status(); s.state != stDnBusy {
				t.Fatalf("unprotect: %+v", s)
			}
			if _, err := x.in(3, 0, 6); !errors.Is(err, usb.ErrGone) {
				t.Fatalf("read unprotect must reset the chip: %v", err)
			}
			if x.b.RDPLevel() != 0 || !bytes.Equal(x.b.Flash()[:64], bytes.Repeat([]byte{0xFF}, 64)) {
				t.Fatalf("after unprotect: level %d, flash % x", x.b.RDPLevel(), x.b.Flash()[:8])
			}

			// Level 2: permanent, the ROM is no longer reachable.
			x.reopen()
			x.ready()
			if err := x.b.WriteFlash(0x08000000, sim.AppImage(x.b.Part(), "circuitpython", 16<<10)); err != nil {
				t.Fatal(err)
			}
			ob = x.b.OptionBytes(0)
			ob[1] = 0xCC
			x.optionWrite(0, ob[:])
			if x.b.RDPLevel() != 2 {
				t.Fatalf("level %d after writing 0xCC", x.b.RDPLevel())
			}
			for range 3 {
				x.b.SetBoot0(true)
				x.b.Reset()
				if st := x.b.State(); st.Run == sim.RunROM {
					t.Fatal("RDP 2: BOOT0 high still starts the ROM bootloader")
				}
			}
			if st := x.b.State(); st.Run != sim.RunApp {
				t.Errorf("RDP 2 with a valid application: %+v, want it running", st)
			}
		})
	}
}

func TestWriteProtection(t *testing.T) {
	for _, c := range f4Model() {
		t.Run(c.board, func(t *testing.T) {
			x := open(t, c.board+":dfu", sim.Options{})
			x.ready()
			part := x.b.Part()
			// Protect the last sector: bank 2's block on the dual-bank part.
			i := len(part.Sectors) - 1
			s := part.Sectors[i]
			ob := x.b.OptionBytes(s.Bank)
			nwrp := binary.LittleEndian.Uint16(ob[8:]) &^ (1 << s.Bit)
			binary.LittleEndian.PutUint16(ob[8:], nwrp)
			x.optionWrite(s.Bank, ob[:])
			x.reopen()
			x.ready()
			if err := x.b.WriteFlash(s.Address, []byte{0x12, 0x34}); err != nil {
				t.Fatal(err)
			}
			if st := x.cmd(addrCmd(0x41, s.Address)...); st.state != stDnIdle || st.status != okStatus {
				t.Errorf("erase of a write-protected sector: %+v, want OK", st)
			}
			if f := x.b.Flash(); f[s.Address-0x08000000] != 0x12 {
				t.Error("a write-protected sector was erased")
			}
			if st := x.cmd(0x41); st.state != stDnIdle {
				t.Errorf("mass erase with a protected sector: %+v, want OK", st)
			}
			if f := x.b.Flash(); f[s.Address-0x08000000] != 0x12 {
				t.Error("mass erase erased a write-protected sector")
			}
			if st := x.write(s.Address+16, []byte{0}); st.state != stError || st.status != errWrite {
				t.Errorf("program of a write-protected sector: %+v, want errWRITE", st)
			}
			x.clear()
			// The sector before it is not protected.
			prev := part.Sectors[i-1]
			if st := x.write(prev.Address, []byte{0}); st.state != stDnIdle {
				t.Errorf("program of an unprotected sector: %+v", st)
			}
		})
	}
}

func TestBootChecksEveryPart(t *testing.T) {
	for _, c := range f4Model() {
		p := sim.Boards[c.board].Part
		sramEnd := p.SRAM.Start + p.SRAM.Size
		type vt struct {
			name     string
			msp, pc  uint32
			wantBoot bool
		}
		cases := []vt{
			{"stack at end of SRAM", sramEnd, 0x08000201, true},
			{"stack at start of SRAM", p.SRAM.Start, 0x08000201, false},
			{"stack past SRAM", sramEnd + 4, 0x08000201, false},
			{"even reset vector", sramEnd, 0x08000200, false},
			{"reset vector past flash", sramEnd, 0x08000001 + p.FlashSize(), false},
			{"reset vector in system memory", sramEnd, 0x1FFF0001, false},
			{"erased", 0xFFFFFFFF, 0xFFFFFFFF, false},
		}
		// CCM RAM is a valid stack only on the parts that have it.
		cases = append(cases, vt{"stack at end of CCM", 0x10010000, 0x08000201, c.ccmK != 0})
		for _, k := range cases {
			t.Run(c.board+"/"+k.name, func(t *testing.T) {
				w, err := sim.New([]sim.Spec{{Board: c.board}}, sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				b := w.Boards()[0]
				v := bytes.Repeat([]byte{0xFF}, 16<<10)
				binary.LittleEndian.PutUint32(v, k.msp)
				binary.LittleEndian.PutUint32(v[4:], k.pc)
				if err := b.WriteFlash(0x08000000, v); err != nil {
					t.Fatal(err)
				}
				b.Reset()
				if st := b.State(); (st.Run == sim.RunApp) != k.wantBoot || (!k.wantBoot && st.Reason == "") {
					t.Errorf("state %+v, want running=%v", st, k.wantBoot)
				}
			})
		}
	}
}

// timing is the datasheet table (docs/PROTOCOL.md section 4): typical and
// maximum per sector size, word program, mass erase per MB.
type timing struct {
	sector map[uint32][2]time.Duration
	word   [2]time.Duration
	massMB [2]time.Duration
}

var (
	tableX32 = timing{
		sector: map[uint32][2]time.Duration{16 << 10: {250 * time.Millisecond, 500 * time.Millisecond}, 64 << 10: {550 * time.Millisecond, 1100 * time.Millisecond}, 128 << 10: {time.Second, 2 * time.Second}},
		word:   [2]time.Duration{16 * time.Microsecond, 100 * time.Microsecond},
		massMB: [2]time.Duration{8 * time.Second, 16 * time.Second},
	}
	tableX8 = timing{
		sector: map[uint32][2]time.Duration{16 << 10: {400 * time.Millisecond, 800 * time.Millisecond}, 64 << 10: {1200 * time.Millisecond, 2400 * time.Millisecond}, 128 << 10: {2 * time.Second, 4 * time.Second}},
		word:   [2]time.Duration{64 * time.Microsecond, 400 * time.Microsecond},
		massMB: [2]time.Duration{16 * time.Second, 32 * time.Second},
	}
)

// ms rounds up to whole milliseconds, as bwPollTimeout carries them.
func ms(d time.Duration) time.Duration { return (d + time.Millisecond - 1).Truncate(time.Millisecond) }

// measured is one operation: the poll timeout reported, the board time
// the operation kept the bus.
type measured struct{ reported, took time.Duration }

func (x *wire) timed(f func() status) measured {
	t0 := x.b.Clock().Elapsed()
	s := f()
	if s.state != stDnIdle {
		x.t.Fatalf("operation failed: %+v", s)
	}
	return measured{s.poll, x.b.Clock().Elapsed() - t0}
}

// timings erases one sector of each size, programs a full block and
// mass-erases, returning what the ROM reported and how long each took.
func timings(t *testing.T, board string, opts sim.Options) (map[string]measured, *sim.Part) {
	x := open(t, board+":dfu", opts)
	x.ready()
	p := x.b.Part()
	out := map[string]measured{}
	for _, s := range p.Sectors {
		key := "erase " + itoa(s.Size>>10) + "K"
		if _, ok := out[key]; !ok {
			out[key] = x.timed(func() status { return x.cmd(addrCmd(0x41, s.Address)...) })
		}
	}
	x.cmd(addrCmd(0x21, p.Sectors[0].Address)...)
	out["block"] = x.timed(func() status {
		if err := x.out(1, 2, bytes.Repeat([]byte{0xA5}, 2048)); err != nil {
			t.Fatal(err)
		}
		busy := x.status()
		s := x.status()
		s.poll = busy.poll
		return s
	})
	out["mass"] = x.timed(func() status { return x.cmd(0x41) })
	return out, p
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// bus is the USB time the measured operations add to the flash time: a
// command or block, two GETSTATUS; generous for the model's frames.
const bus = 10 * time.Millisecond

func TestPollTimeoutsFollowTimingTable(t *testing.T) {
	for _, lv := range []bool{false, true} {
		table := tableX32
		if lv {
			table = tableX8
		}
		for _, c := range f4Model() {
			name := c.board + "/x32"
			if lv {
				name = c.board + "/x8"
			}
			t.Run(name, func(t *testing.T) {
				got, p := timings(t, c.board, sim.Options{LowVoltage: lv})
				for size, tm := range table.sector {
					key := "erase " + itoa(size>>10) + "K"
					m, ok := got[key]
					if !ok {
						continue
					}
					if m.reported != tm[0] {
						t.Errorf("%s reports %v, want typical %v", key, m.reported, tm[0])
					}
					if m.took < tm[0] || m.took > tm[0]+bus {
						t.Errorf("%s took %v, want %v", key, m.took, tm[0])
					}
				}
				blockTyp := 512 * table.word[0]
				if got["block"].reported != ms(blockTyp) {
					t.Errorf("block program reports %v, want %v", got["block"].reported, ms(blockTyp))
				}
				if d := got["block"].took; d < blockTyp || d > blockTyp+bus {
					t.Errorf("block program took %v, want %v", d, blockTyp)
				}
				mass := time.Duration(p.FlashSize()) * table.massMB[0] / (1 << 20)
				wantMass := mass
				if c.bcd == 0x2100 {
					// The F405/F407 ROM reports 100 ms for an erase of seconds.
					wantMass = 100 * time.Millisecond
				}
				if got["mass"].reported != wantMass {
					t.Errorf("mass erase reports %v, want %v", got["mass"].reported, wantMass)
				}
				if d := got["mass"].took; d < mass || d > mass+bus {
					t.Errorf("mass erase took %v, want %v", d, mass)
				}
			})
		}
	}
}

func TestJitterBetweenTypicalAndMax(t *testing.T) {
	for _, c := range f4Model() {
		t.Run(c.board, func(t *testing.T) {
			opts := sim.Options{Jitter: true, Seed: 42}
			a, p := timings(t, c.board, opts)
			b, _ := timings(t, c.board, opts)
			for k := range a {
				if a[k] != b[k] {
					t.Errorf("%s: %v then %v with the same seed", k, a[k], b[k])
				}
			}
			for size, tm := range tableX32.sector {
				m, ok := a["erase "+itoa(size>>10)+"K"]
				if !ok {
					continue
				}
				if m.reported != tm[0] || m.took < tm[0] || m.took > tm[1]+bus {
					t.Errorf("%d K erase: reported %v took %v, want %v reported and a time in [%v, %v]", size>>10, m.reported, m.took, tm[0], tm[0], tm[1])
				}
			}
			if d := a["block"].took; d < 512*tableX32.word[0] || d > 512*tableX32.word[1]+bus {
				t.Errorf("block took %v", d)
			}
			mass := [2]time.Duration{time.Duration(p.FlashSize()) * tableX32.massMB[0] / (1 << 20), time.Duration(p.FlashSize()) * tableX32.massMB[1] / (1 << 20)}
			if d := a["mass"].took; d < mass[0] || d > mass[1]+bus {
				t.Errorf("mass erase took %v, want in %v", d, mass)
			}
			other, _ := timings(t, c.board, sim.Options{Jitter: true, Seed: 43})
			same := true
			for k := range a {
				same = same && a[k] == other[k]
			}
			if same {
				t.Error("seeds 42 and 43 drew the same times")
			}
		})
	}
}

// An erase leaves the address pointer at the erased sector, as ST's DFU
// classes do: block 2 then reads (and writes) from there.
func TestEraseMovesAddressPointer(t *testing.T) {
	for _, c := range f4Model() {
		t.Run(c.board, func(t *testing.T) {
			x := open(t, c.board+":dfu", sim.Options{})
			x.ready()
			s := x.b.Part().Sectors[1]
			if st := x.cmd(addrCmd(0x41, s.Address)...); st.state != stDnIdle {
				t.Fatal(st)
			}
			if st := x.block(2, []byte{0x12, 0x34}); st.state != stDnIdle {
				t.Fatal(st)
			}
			if f := x.b.Flash(); f[s.Address-0x08000000] != 0x12 || f[s.Address-0x08000000+1] != 0x34 {
				t.Errorf("block 2 after erasing 0x%08x did not land there", s.Address)
			}
		})
	}
}

func TestPollProgramOption(t *testing.T) {
	got, _ := timings(t, "nucleo-f446re", sim.Options{PollProgram: 8 * time.Millisecond})
	if got["block"].reported != 8*time.Millisecond {
		t.Errorf("block reports %v with PollProgram 8 ms", got["block"].reported)
	}
	// The flash still takes its real time: 512 words of 16 us.
	if d := got["block"].took; d < 8192*time.Microsecond || d > 8192*time.Microsecond+bus {
		t.Errorf("block took %v", d)
	}
}

// f4Model returns the catalog boards whose flash and option bytes follow
// the STM32F4 model these tests check (STM32F2/F4 and the F4-like clones);
// the other families have tests of their own (families_test.go).
func f4Model() []catalogWant {
	var out []catalogWant
	for _, c := range catalog {
		if sim.Boards[c.board].Part.Chip.Family.Options.Layout == chipdb.OptionsF4 {
			out = append(out, c)
		}
	}
	return out
}
