package part

import (
	"fmt"
	"time"
)

// AT32F43x is Artery's AT32F435/437 (RM_AT32F435_437): a DfuSe ROM at
// 2E3C:DF11 (betaflight-configurator devices.js) with 4 KB sectors on the
// 4032 KB parts and 2 KB sectors on the others; its layout string marks
// the first 32 KB read-only ('a': "@Internal Flash   /0x08000000/08*04Ka,
// 1000*04Kg") and the option bytes alternate setting is "@Option byte
// /0x1FFFC000/01*4096 g" (01*512 g on xG parts; webusbdfu.js). Whether
// the ROM writes the 'a' sectors is UNVERIFIED: flight-controller firmware
// for these chips starts at 0x08000000 and Betaflight's flasher writes it
// there, so the model is that it does (dfu-util honours the letter and
// needs ":force"). The serial is "AT32" on every board (QMK/Keychron
// notes, UNVERIFIED for every ROM). System memory, unique ID, the FAP byte
// (0xA5 unprotected) and the timing are UNVERIFIED; the layout of its
// erase/program protection bytes is not decoded (OptionsRDPOnly).
var AT32F43x = &Family{
	Name: "AT32F43x",
	USB:  []USBID{{0x2E3C, 0xDF11}},
	// UNVERIFIED strings.
	Manufacturer: "Artery", Product: "AT32 Bootloader in DFU Mode",
	ROMs:        []ROM{{BCDDevice: 0x0200, Letter: 'g'}},
	Quirks:      Quirks{WrongTypeLetters: true, SharedSerial: true},
	Entry:       Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:         0x1FFFF7E8,
	Options:     Options{Size: 4096, RDP: RDP{Offset: 0, Level0: 0xA5}},
	Serial:      SerialFixed,
	FixedSerial: "AT32",
	EraseUnit:   "sector",
	WriteUnit:   4,
	Timing: Timing{
		WordProgram:    [2]time.Duration{50 * time.Microsecond, 100 * time.Microsecond},
		Erase:          map[uint32][2]time.Duration{2 << 10: {50 * time.Millisecond, 100 * time.Millisecond}, 4 << 10: {50 * time.Millisecond, 100 * time.Millisecond}},
		MassErasePerMB: [2]time.Duration{2 * time.Second, 4 * time.Second},
	},
	Sources: "RM_AT32F435_437; betaflight-configurator webusbdfu.js and devices.js",
}

var at32RAM = []Range{sram(512)}

func at32Chip(name string, kib uint32, ro, rw int, optSize uint32, vs ...Variant) *Chip {
	c := newChip(name, AT32F43x, units(group{ro + rw, kib, false}), []uint32{0x1FFFC000}, vs...)
	c.ROMStrings = []string{
		fmt.Sprintf("@Internal Flash   /0x%08X/%02d*%02dKa,%02d*%02dKg", uint32(FlashBase), ro, kib, rw, kib),
		fmt.Sprintf("@Option byte   /0x1FFFC000/01*%03d g", optSize),
	}
	return c
}

var at32Chips = []*Chip{
	at32Chip("AT32F435/437xM (4032 KB)", 4, 8, 1000, 4096, Variant{"AT32F435xM", at32RAM}, Variant{"AT32F437xM", at32RAM}),
	// The xG string is UNVERIFIED: the xM's first 32 KB in 2 KB sectors.
	at32Chip("AT32F435/437xG (1 MB)", 2, 16, 496, 512, Variant{"AT32F435xG", at32RAM}, Variant{"AT32F437xG", at32RAM}),
}

// GD32F4 is GigaDevice's GD32F405/407 class (GD32F4xx user manual): a
// DfuSe ROM at 28E9:0189 (betaflight-configurator devices.js) that leaves
// without a GETSTATUS and reports its serial in UTF-8 (dfu-util quirks.c,
// ChangeLog 0.11); the STM32F4 sector map, option bytes at 0x1FFFC000
// (SPC 0xAA unprotected, 0xCC permanent) and unique ID. Its layout
// strings and timing are UNVERIFIED (the STM32F4's stand in).
var GD32F4 = &Family{
	Name: "GD32F4",
	USB:  []USBID{{0x28E9, 0x0189}},
	// UNVERIFIED strings.
	Manufacturer: "GigaDevice", Product: "GD32 Bootloader in DFU Mode",
	ROMs:       []ROM{{BCDDevice: 0x0100, Letter: 'e'}},
	Quirks:     Quirks{LeavesWithoutStatus: true, UTF8Serial: true},
	Entry:      Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:        0x1FFF7A10,
	OTP:        Range{0x1FFF7800, 512},
	OTPLock:    Range{0x1FFF7A00, 16},
	Options:    f4Options,
	EraseUnit:  "sector",
	WriteUnit:  4,
	Timing:     f4Timing,
	LowVoltage: f4LowVoltage,
	Sources:    "GD32F4xx user manual; dfu-util quirks.c; betaflight-configurator devices.js",
}

var gd32RAM = []Range{sram(128), ccm64}

var gd32Chips = []*Chip{
	f4Chip(GD32F4, "GD32F405/407xG (1 MB)", 7, 1, Variant{"GD32F405xG", gd32RAM}, Variant{"GD32F407xG", gd32RAM}),
	f4Chip(GD32F4, "GD32F405/407xE (512 KB)", 3, 1, Variant{"GD32F405xE", gd32RAM}, Variant{"GD32F407xE", gd32RAM}),
}

// APM32F4 is Geehy's APM32F405/407 (APM32F4xx reference manual): a DfuSe
// ROM at 314B:0106 (betaflight-configurator devices.js), laid out like an
// STM32F405/407. Layout strings, option bytes and timing are UNVERIFIED
// (the STM32F4's stand in).
var APM32F4 = &Family{
	Name: "APM32F4",
	USB:  []USBID{{0x314B, 0x0106}},
	// UNVERIFIED strings.
	Manufacturer: "Geehy", Product: "APM32 DFU Bootloader",
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
	Sources:    "APM32F4xx reference manual; betaflight-configurator devices.js",
}

var apm32Chips = []*Chip{
	f4Chip(APM32F4, "APM32F405/407xG (1 MB)", 7, 1,
		Variant{"APM32F405xG", []Range{sram(128), ccm64}}, Variant{"APM32F407xG", []Range{sram(128), ccm64}}),
}
