package part_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim"
)

// shown parses a layout string into what part.Identify takes.
func shown(t *testing.T, s string) []part.Unit {
	t.Helper()
	l, err := dfu.ParseLayout(s)
	if err != nil {
		t.Fatal(err)
	}
	var u []part.Unit
	for _, x := range l.All() {
		u = append(u, part.Unit{Address: x.Address, Size: x.Size})
	}
	return u
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		layout string
		name   string
		ok     bool
		stack  map[uint32]bool
	}{
		// An STM32F2 shows the same as an STM32F4 of its flash size.
		{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "STM32F405/407/415/417 (1 MB) or STM32F205/207xG (1 MB)", true,
			map[uint32]bool{0x20020000: true, 0x20020004: false, 0x20000000: false, 0x10010000: true, 0x10000000: false, 0x08000000: false}},
		// 256 KB: F401xC has 64 KB of SRAM, F411xC and F446xC 128 KB; the
		// guard must accept an image for any of them.
		{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,01*128Kg", "STM32F401xC, STM32F411xC or STM32F446xC (256 KB) or STM32F205xC (256 KB)", true,
			map[uint32]bool{0x20010000: true, 0x20020000: true, 0x20020004: false, 0x10001000: false}},
		{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg", "STM32F401xE, STM32F411xE or STM32F446xE (512 KB) or STM32F205/207xE (512 KB)", true,
			map[uint32]bool{0x20020000: true, 0x20020001: false}},
		{"@Internal Flash  /0x08000000/02*016Kg", "unknown STM32F4", false,
			map[uint32]bool{0x20050000: true, 0x20050004: false, 0x10010000: true}},
	}
	for _, tc := range tests {
		c, ok := part.Identify(part.Device{Vendor: 0x0483, Product: 0xdf11, AltNames: []string{tc.layout, f4Options}, Flash: shown(t, tc.layout)})
		if c.Name != tc.name || ok != tc.ok {
			t.Errorf("%s: got %q %v, want %q %v", tc.layout, c.Name, ok, tc.name, tc.ok)
		}
		for msp, want := range tc.stack {
			if got := c.StackOK(msp); got != want {
				t.Errorf("%s: StackOK(0x%08x) = %v, want %v", tc.name, msp, got, want)
			}
		}
	}
}

const f4Options = "@Option Bytes  /0x1FFFC000/01*016 e"

func TestIdentifyUSB(t *testing.T) {
	f := shown(t, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	if _, ok := part.Identify(part.Device{Vendor: 0x0483, Product: 0xdf11, Flash: f}); !ok {
		t.Error("ST's ROM ID not accepted")
	}
	if _, ok := part.Identify(part.Device{Vendor: 0x1209, Product: 0x0001, Flash: f}); ok {
		t.Error("an F4 layout behind a foreign USB ID identified as an STM32F4 ROM")
	}
	if !part.IsROM(0x0483, 0xdf11) || part.IsROM(0x0483, 0x5740) {
		t.Error("IsROM")
	}
}

func TestWRPBit(t *testing.T) {
	const dual = "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg"
	secs := shown(t, dual)
	known, ok := part.Identify(part.Device{Flash: secs})
	if !ok {
		t.Fatal("2 MB dual bank not known")
	}
	// The same rule holds for a layout the database does not know.
	odd := append(shown(t, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"), shown(t, "@X/0x08100000/04*016Kg,01*064Kg,06*128Kg")...)
	unknown, ok := part.Identify(part.Device{Flash: odd})
	if ok {
		t.Fatal("odd layout known")
	}
	tests := []struct{ i, block, bit int }{{0, 0, 0}, {4, 0, 4}, {11, 0, 11}, {12, 1, 0}, {22, 1, 10}}
	for _, c := range []*part.Chip{known, unknown} {
		for _, tc := range tests {
			b, bit := c.WRPBit(secs[tc.i].Address)
			if b != tc.block || bit != tc.bit {
				t.Errorf("%s sector %d: block %d bit %d, want %d %d", c.Name, tc.i, b, bit, tc.block, tc.bit)
			}
		}
		if b, bit := c.WRPBit(0x1000); b != -1 || bit != -1 {
			t.Errorf("%s unknown sector: %d %d", c.Name, b, bit)
		}
	}
	if b, bit := known.WRPBit(secs[23].Address); b != 1 || bit != 11 {
		t.Errorf("sector 23: %d %d", b, bit)
	}
}

func TestLookup(t *testing.T) {
	c, v, ok := part.Lookup("STM32F401CC")
	if !ok || v.RAM[0].Size != 64<<10 || c.RAM[0].Size != 128<<10 || c.Family != part.STM32F4 {
		t.Errorf("STM32F401CC: %v %+v %+v", ok, v, c)
	}
	if _, _, ok := part.Lookup("STM32F999ZZ"); ok {
		t.Error("STM32F999ZZ found")
	}
}

func TestSerial(t *testing.T) {
	uid := [12]byte{0x30, 0x00, 0x2d, 0x00, 0x0b, 0x51, 0x34, 0x33, 0x33, 0x35, 0x31, 0x32}
	if got := part.UIDHex(uid); got != "30002D000B51343333353132" {
		t.Errorf("UIDHex = %s", got)
	}
	// w0 0x002d0030 + w2 0x32313533 = 0x325e3563; w1 0x3334510b >> 16.
	if got := part.STM32F4.ROMSerial(uid); got != "325E35633334" {
		t.Errorf("ROMSerial = %s", got)
	}
}

func TestCheckOptionWrite(t *testing.T) {
	c, _, _ := part.Lookup("STM32F407VG")
	lock := []byte{0xEC, 0xCC, 0x13, 0x33, 0, 0, 0, 0, 0xFF, 0x0F, 0, 0, 0, 0, 0, 0}
	if err := c.CheckOptionWrite(0x1fffc000, lock, false); !errors.Is(err, part.ErrRDPLevel2) {
		t.Errorf("level 2 not refused: %v", err)
	}
	if err := c.CheckOptionWrite(0x1fffc000, lock, true); err != nil {
		t.Errorf("level 2 allowed: %v", err)
	}
	if err := c.CheckOptionWrite(0x1fffc008, lock[8:], false); err != nil {
		t.Errorf("a write past the RDP byte: %v", err)
	}
	lock[1] = 0xAA
	if err := c.CheckOptionWrite(0x1fffc000, lock, false); err != nil {
		t.Errorf("level 0: %v", err)
	}
}

// TestCheckOptionWriteOnBoard takes a simulated board's option bytes, asks
// for level 2 and checks that the refusal leaves the board at level 0.
func TestCheckOptionWriteOnBoard(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	c := b.Part().Chip
	lock := b.OptionBytes(0)
	lock[1] = 0xcc
	if err := c.CheckOptionWrite(c.OptionBlocks[0], lock[:], false); !errors.Is(err, part.ErrRDPLevel2) || b.RDPLevel() != 0 {
		t.Errorf("CheckOptionWrite with RDP level 2: %v (level %d)", err, b.RDPLevel())
	}
}

// TestIdentifyFamilies: a chip of every family from the strings its ROM
// shows (published ones where a source has them: docs/FAMILIES.md).
func TestIdentifyFamilies(t *testing.T) {
	st, at, gd, apm := part.ST, part.USBID{Vendor: 0x2e3c, Product: 0xdf11}, part.USBID{Vendor: 0x28e9, Product: 0x0189}, part.USBID{Vendor: 0x314b, Product: 0x0106}
	tests := []struct {
		id          part.USBID
		flash, opt  string
		family      *part.Family
		name        string
		writeUnit   int
		stack, boot uint32 // a valid initial stack pointer
	}{
		{st, "@Internal Flash  /0x08000000/04*016Kg,01*64Kg,03*128Kg", "@Option Bytes  /0x1FFF0000/01*032 e", part.STM32F7, "STM32F722/723/732/733xE", 4, 0x20040000, 0},
		{st, "@Internal Flash  /0x08000000/04*032Kg,01*128Kg,03*256Kg", "@Option Bytes  /0x1FFF0000/01*032 e", part.STM32F7, "STM32F745/746/756xG", 4, 0x20050000, 0},
		{st, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg", "@Option Bytes  /0x1FFF0000/01*032 e", part.STM32F7, "STM32F765/767/769/777/779xI (2 MB, dual bank)", 4, 0x20080000, 0},
		{st, "@Internal Flash /0x08000000/16*128Kg", "@Option Bytes /0x5200201C/01*128 e", part.STM32H7, "STM32H742/743/753xI", 32, 0x24080000, 0},
		{st, "@Internal Flash /0x08000000/01*128Kg", "@Option Bytes /0x5200201C/01*297 e", part.STM32H7, "STM32H750xB", 32, 0x20020000, 0},
		{st, "@Internal Flash /0x08000000/512*02Kg", "", part.STM32L4, "STM32L475/476/486xG", 8, 0x20020000, 0},
		{st, "@Internal Flash /0x08000000/512*04Kg", "", part.STM32L4, "STM32L4R5", 8, 0x200A0000, 0},
		{st, "@Internal Flash /0x08000000/256*08Kg", "", part.STM32L4, "STM32L4R5", 8, 0x200A0000, 0},
		{st, "@Internal Flash /0x08000000/256*02Kg", "@Option Bytes /0x1FFF7800/01*048 e/0x1FFFF800/01*048 e", part.STM32G4, "STM32G473/474/483/484xE (512 KB, dual bank)", 8, 0x20020000, 0},
		{st, "@Internal Flash /0x08000000/64*02Kg", "@Option Bytes /0x1FFF7800/01*048 e", part.STM32G4, "STM32G431", 8, 0x20008000, 0},
		{st, "@Internal Flash /0x08000000/256*04Kg", "@Option Bytes /0x1FFF8000/01*128 e", part.STM32WB, "STM32WB55xG", 8, 0x20040000, 0},
		{at, "@Internal Flash   /0x08000000/08*04Ka,1000*04Kg", "@Option byte   /0x1FFFC000/01*4096 g", part.AT32F43x, "AT32F435/437xM", 4, 0x20080000, 0},
		{gd, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "@Option Bytes  /0x1FFFC000/01*016 e", part.GD32F4, "GD32F405/407xG", 4, 0x10010000, 0},
		{apm, "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "@Option Bytes  /0x1FFFC000/01*016 e", part.APM32F4, "APM32F405/407xG", 4, 0x20020000, 0},
	}
	for _, tc := range tests {
		names := []string{tc.flash}
		if tc.opt != "" {
			names = append(names, tc.opt)
		}
		c, ok := part.Identify(part.Device{Vendor: tc.id.Vendor, Product: tc.id.Product, AltNames: names, Flash: shown(t, tc.flash)})
		if !ok || c.Family != tc.family || !strings.HasPrefix(c.Name, tc.name) || c.WriteUnit != tc.writeUnit {
			t.Errorf("%s %s: %q (%v), family %s, write unit %d; want %s %q %d", tc.id, tc.flash, c.Name, ok, c.Family.Name, c.WriteUnit, tc.family.Name, tc.name, tc.writeUnit)
			continue
		}
		if !c.StackOK(tc.stack) || c.StackOK(0x30000000-4) && tc.family != part.STM32H7 {
			t.Errorf("%s: StackOK(0x%08x) = %v", c.Name, tc.stack, c.StackOK(tc.stack))
		}
	}
}

// TestROMStringsParse: the strings the database says each chip's ROM
// shows parse, and identify the chip again.
func TestROMStringsParse(t *testing.T) {
	for _, c := range part.Chips() {
		for _, f := range c.Family.ROMs {
			strs := c.ROMString(f)
			if len(strs) == 0 {
				continue
			}
			for _, s := range strs {
				if _, err := dfu.ParseLayout(s); err != nil {
					t.Errorf("%s: %v", c.Name, err)
				}
			}
			id := c.Family.USB[0]
			got, ok := part.Identify(part.Device{Vendor: id.Vendor, Product: id.Product, AltNames: strs, Flash: shown(t, strs[0])})
			if !ok || !strings.Contains(got.Name, c.Name) {
				t.Errorf("%s identifies as %q (%v)", c.Name, got.Name, ok)
			}
		}
	}
}

func TestFamilyFacts(t *testing.T) {
	for _, f := range part.Families {
		if f.Sources == "" || len(f.USB) == 0 || f.Entry.SystemMemory == 0 || f.EraseUnit == "" || f.Options.Size == 0 || f.Timing.WordProgram[0] == 0 {
			t.Errorf("%s: incomplete %+v", f.Name, f)
		}
	}
	if part.STM32F7.Entry.Remap || part.STM32H7.Entry.Remap || !part.STM32F4.Entry.Remap {
		t.Error("F7 and H7 branch to their ROM without the SYSCFG remap; F4 remaps")
	}
	if part.STM32H7.Entry.SystemMemory != 0x1FF09800 || part.STM32F7.Entry.SystemMemory != 0x1FF00000 {
		t.Error("system memory addresses (AN2606)")
	}
	if !part.IsROM(0x2e3c, 0xdf11) || !part.IsROM(0x28e9, 0x0189) || !part.IsROM(0x314b, 0x0106) {
		t.Error("clone ROM IDs")
	}
	if s := part.AT32F43x.ROMSerial([12]byte{1}); s != "AT32" {
		t.Errorf("AT32 serial %q", s)
	}
}
