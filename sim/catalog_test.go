package sim_test

import (
	"context"
	"testing"

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
	alts         [4]string
}

var catalog = []catalogWant{
	{"nucleo-f446re", "STM32F446RE", 512, 8, 128, 0, []uint32{0x1FFFC000}, 0x2200, [4]string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}},
	{"feather-f405", "STM32F405RG", 1024, 12, 128, 64, []uint32{0x1FFFC000}, 0x2100, [4]string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 g",
		"@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
		"@Device Feature/0xFFFF0000/01*004 g"}},
	{"discovery-f407", "STM32F407VG", 1024, 12, 128, 64, []uint32{0x1FFFC000}, 0x2100, [4]string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 g",
		"@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
		"@Device Feature/0xFFFF0000/01*004 g"}},
	{"blackpill-f411", "STM32F411CE", 512, 8, 128, 0, []uint32{0x1FFFC000}, 0x2200, [4]string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,03*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}},
	{"blackpill-f401", "STM32F401CC", 256, 6, 64, 0, []uint32{0x1FFFC000}, 0x2200, [4]string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,01*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}},
	{"discovery-f429", "STM32F429ZI", 2048, 24, 192, 64, []uint32{0x1FFFC000, 0x1FFEC000}, 0x2200, [4]string{
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg,04*016Kg,01*064Kg,07*128Kg",
		"@Option Bytes  /0x1FFFC000/01*016 e/0x1FFEC000/01*016 e",
		"@OTP Memory /0x1FFF7800/01*512 e,01*016 e",
		"@Device Feature/0xFFFF0000/01*004 e"}},
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
				if s.Bank != i/12 || s.Bit != i%12 {
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
			if d.Device.Vendor != 0x0483 || d.Device.Product != 0xdf11 || d.Device.Device != c.bcd {
				t.Errorf("%04x:%04x bcdDevice %04x, want 0483:df11 %04x", d.Device.Vendor, d.Device.Product, d.Device.Device, c.bcd)
			}
			if d.ProductName() != "STM32  BOOTLOADER" {
				t.Errorf("product %q", d.ProductName())
			}
			if s := d.Serial(); s != sim.ROMSerial(x.b.UID()) || len(s) != 12 {
				t.Errorf("serial %q, want %q", s, sim.ROMSerial(x.b.UID()))
			}
			cfg := d.Configs[0]
			if len(cfg.Interfaces) != 4 {
				t.Fatalf("%d alternate settings, want 4", len(cfg.Interfaces))
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
