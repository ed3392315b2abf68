package sim_test

import (
	"context"
	"errors"
	"testing"

	chipdb "github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// catalogWant is what each catalog board must look like to a host and to
// the boot logic. Sources: reference manuals RM0090 (F405/F407/F429),
// RM0368 (F401), RM0383 (F411), RM0390 (F446), the datasheets for RAM, and
// published `dfu-util -l` logs for the layout strings (docs/SIMULATOR.md).
type catalogWant struct {
	board, part  string
	flashKB      uint32
	sectors      int
	sramKB, ccmK uint32
	optBlocks    []uint32
	bcd          uint16
	alts         []string
	// vid, pid: the ROM's USB ID (0: ST's 0483:df11).
	vid, pid uint16
}

var catalog = []catalogWant{
	{"nucleo-f446re", "STM32F446RE", 512, 8, 128, 0, []uint32{0x1FFFC000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0, 0},
	{"feather-f405", "STM32F405RG", 1024, 12, 128, 64, []uint32{0x1FFFC000}, 0x2100, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 g",
		"@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
		"@Device Feature/0xFFFF0000/01*004 g"}, 0, 0},
	{"discovery-f407", "STM32F407VG", 1024, 12, 128, 64, []uint32{0x1FFFC000}, 0x2100, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 g",
		"@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
		"@Device Feature/0xFFFF0000/01*004 g"}, 0, 0},
	{"blackpill-f411", "STM32F411CE", 512, 8, 128, 0, []uint32{0x1FFFC000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0, 0},
	{"blackpill-f401", "STM32F401CC", 256, 6, 64, 0, []uint32{0x1FFFC000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,01*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0, 0},
	{"discovery-f429", "STM32F429ZI", 2048, 24, 192, 64, []uint32{0x1FFFC000, 0x1FFEC000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e/0x1FFEC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0, 0},
	// The other families: layout strings as published where a source
	// shows them (betaflight-configurator webusbdfu.js: F72x, F74x, H7,
	// G4 option bytes, AT32F437), else built the same way (UNVERIFIED,
	// docs/FAMILIES.md); RAM from the reference manuals.
	{"nucleo-f207zg", "STM32F207ZG", 1024, 12, 128, 0, []uint32{0x1FFFC000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0, 0},
	{"nucleo-f722ze", "STM32F722ZE", 512, 8, 256, 0, []uint32{0x1FFF0000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg",
		"@Option Bytes  /0x1FFF0000/01*032 e"}, 0, 0},
	{"nucleo-f767zi", "STM32F767ZI", 2048, 12, 512, 0, []uint32{0x1FFF0000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*032Kg,01*128Kg,07*256Kg",
		"@Option Bytes  /0x1FFF0000/01*032 e"}, 0, 0},
	{"nucleo-h743zi", "STM32H743ZI", 2048, 16, 128, 0, []uint32{0x5200201C}, 0x0200, []string{
		"@Internal Flash   /0x08000000/16*128Kg",
		"@Option Bytes   /0x5200201C/01*128 e"}, 0, 0},
	{"nucleo-h743zi2", "STM32H743ZI", 2048, 16, 128, 0, []uint32{0x5200201C}, 0x0200, []string{
		"@Internal Flash   /0x08000000/16*128Kg",
		"@Option Bytes   /0x5200201C/01*128 e"}, 0, 0},
	{"nucleo-l476rg", "STM32L476RG", 1024, 512, 128, 32, []uint32{0x1FFF7800, 0x1FFFF800}, 0x2200, []string{
		"@Internal Flash   /0x08000000/512*02Kg",
		"@Option Bytes   /0x1FFF7800/01*040 e/0x1FFFF800/01*040 e"}, 0, 0},
	{"nucleo-g0b1re", "STM32G0B1RE", 512, 256, 144, 0, []uint32{0x1FFF7800}, 0x2200, []string{
		"@Internal Flash   /0x08000000/256*02Kg",
		"@Option Bytes   /0x1FFF7800/01*128 e"}, 0, 0},
	{"nucleo-g431rb", "STM32G431RB", 128, 64, 32, 10, []uint32{0x1FFF7800}, 0x2200, []string{
		"@Internal Flash   /0x08000000/64*02Kg",
		"@Option Bytes   /0x1FFF7800/01*048 e"}, 0, 0},
	{"nucleo-wb55", "STM32WB55RG", 1024, 256, 256, 0, []uint32{0x1FFF8000}, 0x2200, []string{
		"@Internal Flash   /0x08000000/256*04Kg",
		"@Option Bytes   /0x1FFF8000/01*128 e"}, 0, 0},
	{"at-start-f437", "AT32F437ZM", 4032, 1008, 512, 0, []uint32{0x1FFFC000}, 0x0200, []string{
		"@Internal Flash   /0x08000000/08*04Ka,1000*04Kg",
		"@Option byte   /0x1FFFC000/01*4096 g"}, 0x2e3c, 0xdf11},
	{"gd32f405-fc", "GD32F405RG", 1024, 12, 128, 64, []uint32{0x1FFFC000}, 0x0100, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0x28e9, 0x0189},
	{"apm32f407-mini", "APM32F407IG", 1024, 12, 128, 64, []uint32{0x1FFFC000}, 0x2200, []string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}, 0x314b, 0x0106},
}

func TestCatalogCoversEveryBoard(t *testing.T) {
	names := sim.BoardNames()
	if len(names) != len(catalog) {
		t.Fatalf("catalog has %d boards %v, the test knows %d", len(names), names, len(catalog))
	}
	for _, c := range catalog {
		if sim.Boards[c.board] == nil {
			t.Errorf("board %s missing from the catalog", c.board)
		}
	}
}

func TestCatalogParts(t *testing.T) {
	for _, c := range catalog {
		t.Run(c.board, func(t *testing.T) {
			p := sim.Boards[c.board].Part
			if p.Name != c.part {
				t.Errorf("part %s, want %s", p.Name, c.part)
			}
			if p.FlashSize() != c.flashKB<<10 || len(p.Sectors) != c.sectors {
				t.Errorf("flash %d KB in %d sectors, want %d KB in %d", p.FlashSize()>>10, len(p.Sectors), c.flashKB, c.sectors)
			}
			// Sectors are contiguous from 0x08000000; banks of 12 on the
			// dual-bank part, bank 2 from 0x08100000 (RM0090 table 6).
			addr := uint32(0x08000000)
			for i, s := range p.Sectors {
				if s.Address != addr {
					t.Fatalf("sector %d at 0x%08x, want 0x%08x", i, s.Address, addr)
				}
				if p.Chip.Family.Options.Layout == chipdb.OptionsF4 && (s.Bank != i/12 || s.Bit != i%12) {
					t.Errorf("sector %d: nWRP bank %d bit %d, want %d %d", i, s.Bank, s.Bit, i/12, i%12)
				}
				addr += s.Size
			}
			if c.sectors == 24 && p.Sectors[12].Address != 0x08100000 {
				t.Errorf("bank 2 starts at 0x%08x", p.Sectors[12].Address)
			}
			if p.SRAM != (sim.Region{Start: 0x20000000, Size: c.sramKB << 10}) {
				t.Errorf("SRAM %+v, want %d KB at 0x20000000", p.SRAM, c.sramKB)
			}
			wantCCM := sim.Region{}
			if c.ccmK != 0 {
				wantCCM = sim.Region{Start: 0x10000000, Size: c.ccmK << 10}
			}
			if p.CCM != wantCCM {
				t.Errorf("CCM %+v, want %+v", p.CCM, wantCCM)
			}
			if len(p.OptionBlocks) != len(c.optBlocks) {
				t.Fatalf("option blocks %x, want %x", p.OptionBlocks, c.optBlocks)
			}
			for i := range c.optBlocks {
				if p.OptionBlocks[i] != c.optBlocks[i] {
					t.Errorf("option block %d at 0x%08x, want 0x%08x", i, p.OptionBlocks[i], c.optBlocks[i])
				}
			}
		})
	}
}

// TestCatalogDescriptors reads every board's ROM descriptors over the wire.
func TestCatalogDescriptors(t *testing.T) {
	for _, c := range catalog {
		t.Run(c.board, func(t *testing.T) {
			x := open(t, c.board+":dfu", sim.Options{})
			d := x.dev.Info().Descriptors
			vid, pid := c.vid, c.pid
			if vid == 0 {
				vid, pid = 0x0483, 0xdf11
			}
			if d.Device.Vendor != vid || d.Device.Product != pid || d.Device.Device != c.bcd {
				t.Errorf("%04x:%04x bcdDevice %04x, want %04x:%04x %04x", d.Device.Vendor, d.Device.Product, d.Device.Device, vid, pid, c.bcd)
			}
			if c.vid == 0 && d.ProductName() != "STM32  BOOTLOADER" {
				t.Errorf("product %q", d.ProductName())
			}
			switch s := d.Serial(); {
			case c.vid == 0x2e3c:
				if s != "AT32" {
					t.Errorf("serial %q, want AT32 (every Artery ROM)", s)
				}
			case c.vid == 0x28e9:
				// UTF-8 bytes read as UTF-16LE (board undoes it).
				if got := usb.UTF8FromUTF16(s); got != sim.ROMSerial(x.b.UID()) {
					t.Errorf("GD32 serial %q reads %q as UTF-8, want %q", s, got, sim.ROMSerial(x.b.UID()))
				}
			case s != sim.ROMSerial(x.b.UID()) || len(s) != 12:
				t.Errorf("serial %q, want %q", s, sim.ROMSerial(x.b.UID()))
			}
			cfg := d.Configs[0]
			if len(cfg.Interfaces) != len(c.alts) {
				t.Fatalf("%d alternate settings, want %d", len(cfg.Interfaces), len(c.alts))
			}
			for i, itf := range cfg.Interfaces {
				s, err := usb.ReadString(context.Background(), x.dev, itf.StringIndex)
				if err != nil || s != c.alts[i] {
					t.Errorf("alt %d: %q (%v), want %q", i, s, err, c.alts[i])
				}
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	c := sim.Catalog()
	if len(c) != len(sim.Boards) {
		t.Fatalf("Catalog has %d boards, Boards %d", len(c), len(sim.Boards))
	}
	for i, e := range c {
		m := sim.Boards[e.Board]
		if m == nil || (i > 0 && c[i-1].Board >= e.Board) || e.Part != m.Part.Name || e.FlashKB != m.Part.FlashSize()>>10 {
			t.Errorf("Catalog()[%d] = %+v", i, e)
		}
	}
}

// TestSampleApp: the demo's sample application is 96 KiB and, written at
// the flash base, boots as CircuitPython.
func TestSampleApp(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	app := sim.SampleApp(b.Part())
	if len(app) != 96<<10 {
		t.Errorf("SampleApp is %d bytes, want 96 KiB", len(app))
	}
	if err := b.WriteFlash(b.Part().FlashBase, app); err != nil {
		t.Fatal(err)
	}
	b.SetBoot0(false)
	b.Reset()
	if s := b.State(); s.Run != sim.RunApp || s.Persona != "circuitpython" {
		t.Errorf("after the sample application is written and the board reset: %+v, want CircuitPython running", s)
	}
}

// TestUnknownBoard: a board name the catalog does not have is
// ErrUnknownBoard, in a lookup and in a board list.
func TestUnknownBoard(t *testing.T) {
	if _, err := sim.LookupBoard("nosuch"); !errors.Is(err, sim.ErrUnknownBoard) {
		t.Errorf("LookupBoard: %v", err)
	}
	if _, err := sim.ParseSpecs("feather-f405,nosuch:dfu"); !errors.Is(err, sim.ErrUnknownBoard) {
		t.Errorf("ParseSpecs: %v", err)
	}
	if _, err := sim.New([]sim.Spec{{Board: "nosuch"}}, sim.Options{}); !errors.Is(err, sim.ErrUnknownBoard) {
		t.Errorf("New: %v", err)
	}
}

// TestWorldFacts: the facts of a board by port, in a line for people;
// none for another port or without a world.
func TestWorldFacts(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := w.Facts("1-1")
	if !ok || f != w.Boards()[0].Facts() || f.String() != "simulated: STM32F405RG on feather-f405, UID "+f.UID+" (known only because the board is simulated)" {
		t.Errorf("Facts(1-1) = %+v, %v: %s", f, ok, f)
	}
	if _, ok := w.Facts("1-2"); ok {
		t.Error("Facts(1-2): a board")
	}
	if _, ok := (*sim.World)(nil).Facts("1-1"); ok {
		t.Error("no world: a board")
	}
}
