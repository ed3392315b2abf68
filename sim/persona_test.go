package sim_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
	"github.com/softdfu/softdfu/usb"
)

// term is a host on a persona's CDC-ACM data endpoints.
type term struct {
	t   *testing.T
	dev usb.Device
	buf string
}

func openTerm(t *testing.T, w *sim.World, path string) *term {
	t.Helper()
	devs, _ := w.Devices(context.Background())
	for _, d := range devs {
		if d.Path == path {
			dev, err := w.Open(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			return &term{t: t, dev: dev}
		}
	}
	t.Fatalf("nothing on %s", path)
	return nil
}

func (tm *term) send(s string) error {
	_, err := tm.dev.Transfer(context.Background(), 0x02, []byte(s))
	return err
}

// read returns everything the board sent until it is quiet.
func (tm *term) read() string {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		b := make([]byte, 64)
		n, err := tm.dev.Transfer(ctx, 0x82, b)
		cancel()
		tm.buf += string(b[:n])
		if err != nil {
			out := tm.buf
			tm.buf = ""
			return out
		}
	}
}

func newWorld(t *testing.T, spec string) *sim.World {
	t.Helper()
	s, err := sim.ParseSpecs(spec)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(s, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestCircuitPythonREPL checks the conversation byte by byte.
func TestCircuitPythonREPL(t *testing.T) {
	w := newWorld(t, "feather-f405")
	tm := openTerm(t, w, "1-1")
	steps := []struct{ in, want string }{
		{"", "Auto-reload is on. Simply save files over USB to run them or enter REPL to disable.\r\ncode.py output:\r\nHello World!\r\n"},
		{"\x03", "\r\nTraceback (most recent call last):\r\n  File \"code.py\", line 7, in <module>\r\nKeyboardInterrupt: \r\n\r\nCode done running.\r\n\r\nPress any key to enter the REPL. Use CTRL-D to reload.\r\n"},
		{"\r", "\r\nAdafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit Feather STM32F405 Express with STM32F405RG\r\n>>> "},
		{"foo\r", "foo\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nNameError: name 'foo' is not defined\r\n>>> "},
		{"import microcontroller\r", "import microcontroller\r\n>>> "},
		{"microcontroller.nope\r", "microcontroller.nope\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nAttributeError: 'module' object has no attribute 'nope'\r\n>>> "},
		{"microcontroller.RunMode.FAST\r", "microcontroller.RunMode.FAST\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nAttributeError: type object 'RunMode' has no attribute 'FAST'\r\n>>> "},
		{"print('hi'\r", "print('hi'\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1\r\nSyntaxError: invalid syntax\r\n>>> "},
		{"print('hi', 42)\r", "print('hi', 42)\r\nhi 42\r\n>>> "},
		{"import machine\r", "import machine\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nImportError: no module named 'machine'\r\n>>> "},
		{"abc\x03", "abc\r\n>>> "},
		{"\x04", "\r\nsoft reboot\r\n\r\nAuto-reload is on. Simply save files over USB to run them or enter REPL to disable.\r\ncode.py output:\r\nHello World!\r\n"},
		{"\x03\r", "\r\nTraceback (most recent call last):\r\n  File \"code.py\", line 7, in <module>\r\nKeyboardInterrupt: \r\n\r\nCode done running.\r\n\r\nPress any key to enter the REPL. Use CTRL-D to reload.\r\n\r\nAdafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit Feather STM32F405 Express with STM32F405RG\r\n>>> "},
		// The soft reboot forgot the import.
		{"microcontroller.reset()\r", "microcontroller.reset()\r\nTraceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nNameError: name 'microcontroller' is not defined\r\n>>> "},
	}
	for i, s := range steps {
		if s.in != "" {
			if err := tm.send(s.in); err != nil {
				t.Fatal(err)
			}
		}
		if got := tm.read(); got != s.want {
			t.Fatalf("step %d %q:\n got %q\nwant %q", i, s.in, got, s.want)
		}
	}
	// on_next_reset(NORMAL) + reset: the application restarts.
	boots := w.Boards()[0].State().Boots
	tm.send("import microcontroller\r")
	tm.send("microcontroller.on_next_reset(microcontroller.RunMode.NORMAL)\r")
	tm.send("microcontroller.reset()\r")
	if st := w.Boards()[0].State(); st.Run != sim.RunApp || st.Boots != boots+1 {
		t.Fatalf("after reset: %+v", st)
	}
	if err := tm.send("x"); !errors.Is(err, usb.ErrGone) {
		t.Fatalf("old device after reset: %v, want ErrGone", err)
	}
}

// TestMicroPythonRawREPL checks the bytes mpremote expects.
func TestMicroPythonRawREPL(t *testing.T) {
	w := newWorld(t, "feather-f405:micropython")
	tm := openTerm(t, w, "1-1")
	banner := "MicroPython v1.24.1 on 2024-11-29; Adafruit Feather STM32F405 with STM32F405RG\r\nType \"help()\" for more information.\r\n>>> "
	steps := []struct{ in, want string }{
		{"\r\x03", "\r\n>>> \r\n>>> "},
		{"\r\x01", "\r\n>>> \r\nraw REPL; CTRL-B to exit\r\n>"},
		{"print('hi')\x04", "OKhi\r\n\x04\x04>"},
		{"nope\x04", "OK\x04Traceback (most recent call last):\r\n  File \"<stdin>\", line 1, in <module>\r\nNameError: name 'nope' isn't defined\r\n\x04>"},
		{"\x05A\x01", "R\x00"},
		{"\x04", "\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>"},
		{"\r\x02", "\r\n" + banner},
		{"\x04", "\r\nMPY: soft reboot\r\n" + banner},
	}
	for i, s := range steps {
		if err := tm.send(s.in); err != nil {
			t.Fatal(err)
		}
		if got := tm.read(); got != s.want {
			t.Fatalf("step %d %q:\n got %q\nwant %q", i, s.in, got, s.want)
		}
	}
	// The board resets at once (in-process, the "OK" still queued on
	// the bulk IN endpoint is lost with the device, as on a real bus when
	// the host has not polled yet).
	tm.send("\x01import time, machine; time.sleep_ms(100); machine.bootloader()\x04")
	if st := w.Boards()[0].State(); st.Run != sim.RunROM {
		t.Fatalf("after machine.bootloader(): %+v", st)
	}
}

// TestCDCClassRequests: line coding round trip, and the 1200-baud touch
// only when both conditions hold.
func TestCDCClassRequests(t *testing.T) {
	w := newWorld(t, "blackpill-f401:arduino")
	b := w.Boards()[0]
	tm := openTerm(t, w, "1-1")
	ctx := context.Background()
	lc := func(baud uint32) []byte {
		v := make([]byte, 7)
		binary.LittleEndian.PutUint32(v, baud)
		v[6] = 8
		return v
	}
	if _, err := tm.dev.Control(ctx, usb.ClassInterfaceOut(0x20, 0, 0, 7), lc(9600)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 7)
	if _, err := tm.dev.Control(ctx, usb.ClassInterfaceIn(0x21, 0, 0, 7), got); err != nil || binary.LittleEndian.Uint32(got) != 9600 {
		t.Fatalf("GET_LINE_CODING %x %v", got, err)
	}
	// DTR dropped at 9600: nothing happens. DTR up at 1200: nothing.
	tm.dev.Control(ctx, usb.ClassInterfaceOut(0x22, 0, 0, 0), nil)
	tm.dev.Control(ctx, usb.ClassInterfaceOut(0x20, 0, 0, 7), lc(1200))
	tm.dev.Control(ctx, usb.ClassInterfaceOut(0x22, 1, 0, 0), nil)
	if st := b.State(); st.Run != sim.RunApp {
		t.Fatalf("%+v", st)
	}
	if _, err := tm.dev.Control(ctx, usb.ClassInterfaceOut(0x20, 0, 0, 3), lc(1200)[:3]); !errors.Is(err, usb.ErrStall) {
		t.Fatalf("short SET_LINE_CODING: %v, want a stall", err)
	}
	tm.send("hello\r")
	if got := tm.read(); got != "sketch running\r\ngot: hello\r\n" {
		t.Fatalf("serial: %q", got)
	}
	if _, err := tm.dev.Control(ctx, usb.ClassInterfaceOut(0x22, 0, 0, 0), nil); err != nil {
		t.Fatal(err)
	}
	if st := b.State(); st.Run != sim.RunROM {
		t.Fatalf("after the 1200-baud touch: %+v", st)
	}
}

// TestStaleAndRepeatedRequests: a request followed by a pin reset or a
// power cycle is dropped; entering, leaving and entering again works.
func TestStaleAndRepeatedRequests(t *testing.T) {
	w := newWorld(t, "nucleo-f446re")
	b := w.Boards()[0]
	repl := func(lines ...string) {
		tm := openTerm(t, w, "1-1")
		tm.send("\x03\r")
		for _, l := range lines {
			tm.send(l + "\r")
		}
	}
	repl("import microcontroller", "microcontroller.on_next_reset(microcontroller.RunMode.BOOTLOADER)")
	b.Reset() // the reset button: not a software reset
	if st := b.State(); st.Run != sim.RunApp {
		t.Fatalf("pin reset after a request: %+v, want the application", st)
	}
	repl("import microcontroller", "microcontroller.reset()")
	if st := b.State(); st.Run != sim.RunApp {
		t.Fatalf("software reset after the dropped request: %+v, want the application", st)
	}
	for round := range 3 {
		repl("import microcontroller", "microcontroller.on_next_reset(microcontroller.RunMode.BOOTLOADER)", "microcontroller.reset()")
		if st := b.State(); st.Run != sim.RunROM {
			t.Fatalf("round %d: %+v, want the ROM", round, st)
		}
		b.Reset() // leave the ROM by reset: the request is gone
		if st := b.State(); st.Run != sim.RunApp {
			t.Fatalf("round %d: reset from the ROM: %+v, want the application", round, st)
		}
	}
}

// TestDirectJumpPreconditions: the seed's direct jump passes the ROM's
// AN2606 checks from a running application (it cleans RCC, SysTick,
// NVIC, OTG_FS); a jump from a board whose ROM never finds a crystal
// lands back in the application.
func TestDirectJumpPreconditions(t *testing.T) {
	w := newWorld(t, "nucleo-f446re")
	b := w.Boards()[0]
	tm := openTerm(t, w, "1-1")
	tm.send("\x03\rimport microcontroller\rmicrocontroller._enter_bootloader_direct()\r")
	if st := b.State(); st.Run != sim.RunROM {
		t.Fatalf("direct jump on a board with a good crystal: %+v (chip %s)", st, b.ChipState())
	}
	if s := b.ChipStats(); s.HSEMisses != 0 || s.ROMEntries != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// TestROMEntryPreconditionsOnBoard: jumps to the ROM that break AN2606
// preconditions hang the board, silent on USB, with the violated rule in
// State.
func TestROMEntryPreconditionsOnBoard(t *testing.T) {
	for _, tc := range []struct {
		name string
		jump func(fw *stm32f4.Device, c *mcu.Chip)
		want string
	}{
		{"straight from the application", func(_ *stm32f4.Device, c *mcu.Chip) {
			c.SetMSP(mcu.DefaultROMStack)
			c.Jump(mcu.DefaultROMEntry)
		}, "pll-on"},
		{"clocks back to HSI, SysTick left on", func(_ *stm32f4.Device, c *mcu.Chip) {
			c.Write32(0x40023808, 0)          // RCC_CFGR: SYSCLK back to HSI
			c.Write32(0x40023800, 0x00006B83) // RCC_CR: PLL and HSE off
			c.SetMSP(mcu.DefaultROMStack)
			c.Jump(mcu.DefaultROMEntry)
		}, "systick-running: STK_CTRL=0x00000007"},
		{"the seed's direct jump passes", func(fw *stm32f4.Device, c *mcu.Chip) {
			fw.JumpToBootloaderDirect()
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "discovery-f407")
			b := w.Boards()[0]
			if !b.RunFirmware(tc.jump) {
				t.Fatal("no application running")
			}
			st := b.State()
			if tc.want == "" {
				if st.Run != sim.RunROM {
					t.Fatalf("%+v, want the ROM", st)
				}
				return
			}
			if st.Run != sim.RunHung || !strings.Contains(st.Reason, tc.want) || b.Gadget() != nil {
				t.Fatalf("%+v, want hung with %q", st, tc.want)
			}
			if testing.Verbose() {
				t.Log(st.Reason)
			}
		})
	}
}

// TestHungBoardSaysWhy: a leave to an address without a vector table
// hangs the chip, silent on USB, with the reason in State.
func TestHungBoardSaysWhy(t *testing.T) {
	w := newWorld(t, "feather-f405:dfu")
	b := w.Boards()[0]
	b.SetBoot0(false)
	if err := b.WriteFlash(0x08000000, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	st := b.State()
	if st.Run != sim.RunHung || !strings.Contains(st.Reason, "erased") || b.Gadget() != nil {
		t.Fatalf("%+v", st)
	}
}

// FuzzPersonaInput: any bytes on a Python persona's serial port are
// answered without a panic, and the board ends in a known state.
func FuzzPersonaInput(f *testing.F) {
	for _, s := range []string{
		"\x03\rimport microcontroller\rmicrocontroller.on_next_reset(microcontroller.RunMode.BOOTLOADER)\rmicrocontroller.reset()\r",
		"\r\x01import time, machine; time.sleep_ms(100); machine.bootloader()\x04",
		"\x03\rprint('a', 'b', (1\r", "\x03\rprint(print(print))\r", "\x01\x05A\x01\x04\x02\x04",
		"\x03\r\"unterminated\r", "\x03\rtime.sleep(-5)\r", "\x03\r-\r", "\x03\ra.b.c(d(e(f)))\r",
	} {
		f.Add(byte(0), []byte(s))
		f.Add(byte(1), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which byte, in []byte) {
		spec := "feather-f405"
		if which&1 == 1 {
			spec = "feather-f405:micropython"
		}
		w := newWorld(t, spec)
		tm := openTerm(t, w, "1-1")
		for len(in) > 0 {
			n := min(len(in), 64)
			if err := tm.send(string(in[:n])); err != nil {
				break
			}
			in = in[n:]
		}
		switch st := w.Boards()[0].State(); st.Run {
		case sim.RunApp, sim.RunROM:
		default:
			t.Fatalf("board %+v", st)
		}
	})
}

// TestF7BoardEntersWithItsFamilyRule: the MicroPython firmware of
// nucleo-f722ze enters the ROM at the F7's system memory (0x1FF00000) by
// a direct branch (its chip has no ROM vector at the F4's 0x1FFF0000),
// the H7's at 0x1FF09800 with RM0433's registers, the L4's at 0x1FFF0000
// with RM0351's and the SYSCFG remap; the F4 boards keep theirs.
func TestF7BoardEntersWithItsFamilyRule(t *testing.T) {
	for _, tc := range []struct {
		board  string
		sysMem uint32
	}{{"nucleo-f722ze", 0x1FF00000}, {"nucleo-f767zi", 0x1FF00000}, {"nucleo-h743zi", 0x1FF09800}, {"nucleo-l476rg", 0x1FFF0000}, {"nucleo-f446re", 0x1FFF0000}} {
		t.Run(tc.board, func(t *testing.T) {
			w := newWorld(t, tc.board+":micropython")
			b := w.Boards()[0]
			var vec uint32
			b.RunFirmware(func(_ *stm32f4.Device, c *mcu.Chip) { vec = c.Read32(tc.sysMem + 4) })
			if vec == 0 {
				t.Fatalf("no ROM reset vector at 0x%08X+4", tc.sysMem)
			}
			tm := openTerm(t, w, "1-1")
			tm.send("\r\x03")
			tm.read()
			tm.send("\x01import machine; machine.bootloader()\x04")
			if st := b.State(); st.Run != sim.RunROM {
				t.Fatalf("after machine.bootloader(): %+v (chip %s)", st, b.ChipState())
			}
			if s := b.ChipStats(); s.ROMEntries != 1 {
				t.Fatalf("stats %+v, want one ROM entry", s)
			}
		})
	}
}

// TestF4LibraryOnH7BoardFails: firmware built with the F4's register map
// (stm32f4.F4) on the H7 board faults at the F4's RCC address instead of
// entering the ROM.
func TestF4LibraryOnH7BoardFails(t *testing.T) {
	w := newWorld(t, "nucleo-h743zi:micropython")
	b := w.Boards()[0]
	ran := b.RunFirmware(func(_ *stm32f4.Device, c *mcu.Chip) {
		dev, err := stm32f4.New(c, c, stm32f4.Config{Store: stm32f4.RAMWord(0x2001FFF0), Family: stm32f4.F4})
		if err != nil {
			t.Error(err)
			return
		}
		dev.JumpToBootloaderDirect()
	})
	if !ran {
		t.Fatal("no application ran")
	}
	if st := b.State(); st.Run == sim.RunROM || b.ChipStats().ROMEntries != 0 {
		t.Fatalf("the F4's map on an H7 reached the ROM: %+v", st)
	}
	if cs := b.ChipState(); cs.Fault != mcu.FaultBusFault {
		t.Fatalf("chip %s, want a bus fault", cs)
	}
}
