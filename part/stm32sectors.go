package part

import "time"

// STM32F2 is the STM32F2 family: the STM32F4's flash organisation, option
// bytes, unique ID and system memory (RM0033 sections 2.3, 2.3.3, 32.1;
// AN2606). Its datasheet timing and ROM version are UNVERIFIED: the
// STM32F4 figures stand in.
var STM32F2 = &Family{
	Name:       "STM32F2",
	USB:        []USBID{ST},
	ROMs:       []ROM{{BCDDevice: 0x2200, Letter: 'e'}},
	Entry:      Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:        0x1FFF7A10,
	OTP:        Range{0x1FFF7800, 512},
	OTPLock:    Range{0x1FFF7A00, 16},
	Options:    f4Options,
	EraseUnit:  "sector",
	WriteUnit:  4,
	Timing:     f4Timing,
	LowVoltage: f4LowVoltage,
	Sources:    "RM0033; AN2606; AN3156",
}

var stm32f2Chips = []*Chip{
	f4Chip(STM32F2, "STM32F205xB (128 KB)", 0, 1, Variant{"STM32F205xB", []Range{sram(64)}}),
	f4Chip(STM32F2, "STM32F205xC (256 KB)", 1, 1, Variant{"STM32F205xC", []Range{sram(96)}}),
	f4Chip(STM32F2, "STM32F205/207xE (512 KB)", 3, 1, Variant{"STM32F205xE", []Range{sram(128)}}, Variant{"STM32F207xE", []Range{sram(128)}}),
	f4Chip(STM32F2, "STM32F205/207xG (1 MB)", 7, 1, Variant{"STM32F205xG", []Range{sram(128)}}, Variant{"STM32F207xG", []Range{sram(128)}}),
}

// f7Timing is the STM32F7 x32 flash timing: the STM32F4 figures by sector
// size, 32 KB and 256 KB sectors scaled from them (UNVERIFIED: DS10916 and
// DS11532 not checked here).
var f7Timing = Timing{
	WordProgram: [2]time.Duration{16 * time.Microsecond, 100 * time.Microsecond},
	Erase: map[uint32][2]time.Duration{
		16 << 10:  {250 * time.Millisecond, 500 * time.Millisecond},
		32 << 10:  {350 * time.Millisecond, 700 * time.Millisecond},
		64 << 10:  {550 * time.Millisecond, 1100 * time.Millisecond},
		128 << 10: {1000 * time.Millisecond, 2000 * time.Millisecond},
		256 << 10: {2000 * time.Millisecond, 4000 * time.Millisecond},
	},
	MassErasePerMB: [2]time.Duration{8 * time.Second, 16 * time.Second},
}

// STM32F7 is the STM32F7 family (RM0431 F72x/73x, RM0385 F74x/75x,
// RM0410 F76x/77x): system memory at 0x1FF00000, entered by a direct
// branch without the SYSCFG remap (AN2606; MicroPython mboot); option
// bytes at 0x1FFF0000 with RDP in bits 15:8 of the first word. The unique
// ID is at 0x1FF0F420 on F74x-F77x (0x1FF07A10 on F72x/73x). The option
// bytes are four value/complement words at 0x1FFF0000 (RDP and USER;
// nWRP and the IWDG, nDBANK and nDBOOT bits; BOOT_ADD0; BOOT_ADD1: RM0431
// and RM0410 section 3.4, package optionbytes layout F7), 32 bytes in all;
// that the ROM shows them as one 32-byte block, "@Option Bytes
// /0x1FFF0000/01*032 e", is UNVERIFIED (no published dfu-util -l log of an
// F7 ROM found).
var STM32F7 = &Family{
	Name:      "STM32F7",
	USB:       []USBID{ST},
	ROMs:      []ROM{{BCDDevice: 0x2200, Letter: 'e'}},
	Entry:     Entry{SystemMemory: 0x1FF00000},
	UID:       0x1FF0F420,
	Options:   Options{Size: 32, RDP: RDP{Offset: 1, Level0: 0xAA, Level2: 0xCC}, Layout: OptionsF7, WRPBits: 12},
	EraseUnit: "sector",
	WriteUnit: 4,
	Timing:    f7Timing,
	Sources:   "RM0431, RM0385, RM0410; AN2606; betaflight-configurator webusbdfu.js (layout strings)",
}

// f7Chip builds an STM32F7 chip from sector groups.
func f7Chip(name string, g []group, vs ...Variant) *Chip {
	c := newChip(name, STM32F7, units(g...), []uint32{0x1FFF0000}, vs...)
	c.ROMStrings = stStrings(c, "%02d*%03dK", false)
	return c
}

var (
	f72xRAM = []Range{sram(256), ram(0, 16)}
	f74xRAM = []Range{sram(320), ram(0, 16)}
	f76xRAM = []Range{sram(512), ram(0, 16)}
)

var stm32f7Chips = []*Chip{
	f7Chip("STM32F722/723/732/733xC (256 KB)", f4Bank(1, false), Variant{"STM32F722xC", f72xRAM}, Variant{"STM32F723xC", f72xRAM}),
	f7Chip("STM32F722/723/732/733xE (512 KB)", f4Bank(3, false), Variant{"STM32F722xE", f72xRAM}, Variant{"STM32F723xE", f72xRAM},
		Variant{"STM32F732xE", f72xRAM}, Variant{"STM32F733xE", f72xRAM}),
	f7Chip("STM32F745/746/756xE (512 KB)", []group{{4, 32, false}, {1, 128, false}, {1, 256, false}},
		Variant{"STM32F745xE", f74xRAM}, Variant{"STM32F746xE", f74xRAM}),
	f7Chip("STM32F745/746/756xG or STM32F765/767/769xG single bank (1 MB)", []group{{4, 32, false}, {1, 128, false}, {3, 256, false}},
		Variant{"STM32F745xG", f74xRAM}, Variant{"STM32F746xG", f74xRAM}, Variant{"STM32F756xG", f74xRAM},
		Variant{"STM32F765xG", f76xRAM}, Variant{"STM32F767xG", f76xRAM}, Variant{"STM32F769xG", f76xRAM}),
	// nDBANK = 1 (the factory setting): one bank of 256 KB sectors.
	f7Chip("STM32F765/767/769/777/779xI (2 MB, single bank)", []group{{4, 32, false}, {1, 128, false}, {7, 256, false}},
		Variant{"STM32F765xI", f76xRAM}, Variant{"STM32F767xI", f76xRAM}, Variant{"STM32F769xI", f76xRAM},
		Variant{"STM32F777xI", f76xRAM}, Variant{"STM32F779xI", f76xRAM}),
	// nDBANK = 0: two banks, each laid out like a 1 MB STM32F4 (RM0410
	// table 4; the layout that confuses tools, rusefi #3338).
	f7Chip("STM32F765/767/769/777/779xI (2 MB, dual bank)", append(f4Bank(7, false), f4Bank(7, true)...),
		Variant{"STM32F767xI", f76xRAM}, Variant{"STM32F769xI", f76xRAM}),
	f7Chip("STM32F765/767/769xG (1 MB, dual bank)", append(f4Bank(3, false), f4Bank(3, true)...),
		Variant{"STM32F767xG", f76xRAM}),
}

// STM32H7 is the STM32H742/743/750/753 line (RM0433): 128 KB sectors in
// up to two banks, 256-bit (32-byte) flash words, system memory at
// 0x1FF09800 entered without the remap (AN2606), unique ID at 0x1FF1E800;
// the ROM shows the option-byte registers from FLASH_OPTSR_CUR at
// 0x5200201C (RDP in bits 15:8) on its option alternate setting
// (betaflight-configurator webusbdfu.js); bank 1's write protection is
// FLASH_WPSN_CUR1R at offset 0x1C of that area (RM0433 4.9), bank 2's is
// outside it. Timing UNVERIFIED (DS12110 not
// checked here). Some H743 rev V ROMs stay in dfuDNBUSY after an erase
// (betaflight-configurator PR #1861).
var STM32H7 = &Family{
	Name:      "STM32H7",
	USB:       []USBID{ST},
	ROMs:      []ROM{{BCDDevice: 0x0200, Letter: 'e'}},
	Quirks:    Quirks{StaysBusy: true},
	Entry:     Entry{SystemMemory: 0x1FF09800},
	UID:       0x1FF1E800,
	Options:   Options{Size: 128, RDP: RDP{Offset: 1, Level0: 0xAA, Level2: 0xCC}, Layout: OptionsH7},
	EraseUnit: "sector",
	WriteUnit: 32,
	Timing: Timing{
		WordProgram:    [2]time.Duration{12 * time.Microsecond, 100 * time.Microsecond},
		Erase:          map[uint32][2]time.Duration{128 << 10: {2000 * time.Millisecond, 4000 * time.Millisecond}},
		MassErasePerMB: [2]time.Duration{8 * time.Second, 16 * time.Second},
	},
	Sources: "RM0433; AN2606; betaflight-configurator webusbdfu.js; stm32h7xx-hal #338",
}

var h7RAM = []Range{ram(0x20000000, 128), ram(0x24000000, 512), ram(0x30000000, 288), ram(0x38000000, 64), ram(0, 64)}

func h7Chip(name string, flash []Unit, vs ...Variant) *Chip {
	c := newChip(name, STM32H7, flash, []uint32{0x5200201C}, vs...)
	c.ROMStrings = []string{flashString("Internal Flash   ", "%02d*%03dK", flash, 'g'), "@Option Bytes   /0x5200201C/01*128 %c"}
	return c
}

var stm32h7Chips = []*Chip{
	h7Chip("STM32H742/743/753xI (2 MB, two banks)", pages(16, 128, 2),
		Variant{"STM32H742xI", h7RAM}, Variant{"STM32H743xI", h7RAM}, Variant{"STM32H753xI", h7RAM}),
	h7Chip("STM32H742/743xG (1 MB, two banks)", pages(8, 128, 2), Variant{"STM32H742xG", h7RAM}, Variant{"STM32H743xG", h7RAM}),
	h7Chip("STM32H750xB (128 KB)", pages(1, 128, 1), Variant{"STM32H750xB", h7RAM}),
}
