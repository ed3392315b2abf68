package part

import (
	"fmt"
	"strings"
	"time"
)

// ST is the USB ID of ST's ROM DFU bootloader (AN3156; UM0412).
var ST = USBID{0x0483, 0xDF11}

// f4Timing is the STM32F405/407 datasheet's flash timing (DS8626, "Flash
// memory programming": 2.7-3.6 V, x32).
var f4Timing = Timing{
	WordProgram: [2]time.Duration{16 * time.Microsecond, 100 * time.Microsecond},
	Erase: map[uint32][2]time.Duration{
		16 << 10:  {250 * time.Millisecond, 500 * time.Millisecond},
		64 << 10:  {550 * time.Millisecond, 1100 * time.Millisecond},
		128 << 10: {1000 * time.Millisecond, 2000 * time.Millisecond},
	},
	MassErasePerMB: [2]time.Duration{8 * time.Second, 16 * time.Second},
}

// f4LowVoltage is the same at 1.8-2.1 V (x8): four byte programs per word.
var f4LowVoltage = Timing{
	WordProgram: [2]time.Duration{64 * time.Microsecond, 400 * time.Microsecond},
	Erase: map[uint32][2]time.Duration{
		16 << 10:  {400 * time.Millisecond, 800 * time.Millisecond},
		64 << 10:  {1200 * time.Millisecond, 2400 * time.Millisecond},
		128 << 10: {2000 * time.Millisecond, 4000 * time.Millisecond},
	},
	MassErasePerMB: [2]time.Duration{16 * time.Second, 32 * time.Second},
}

// f4Options is the STM32F4 option-byte block (RM0090 3.7.1, tables 15-17):
// USER at byte 0, RDP at byte 1 (0xAA level 0, 0xCC level 2), nWRP at
// bytes 8-9.
var f4Options = Options{Size: 16, RDP: RDP{Offset: 1, Level0: 0xAA, Level2: 0xCC}, Layout: OptionsF4, WRPBits: 12}

// STM32F4 is the STM32F4 family. Addresses from RM0090 Rev 21 sections
// 2.3, 3.3 and 39.1 (unique ID); option bytes from tables 15-17; flash
// timing from the STM32F405/407 datasheet (the other parts use the same
// numbers: UNVERIFIED); the USB ID from AN3156; system memory and the
// SYSCFG remap from AN2606.
var STM32F4 = &Family{
	Name: "STM32F4",
	USB:  []USBID{ST},
	ROMs: []ROM{
		// The F405/F407 ROM of a published dfu-util log reports 100 ms
		// for a mass erase (dfu-util dfuse.c).
		{BCDDevice: 0x2100, Letter: 'g', Quirks: Quirks{MassErasePoll: 100 * time.Millisecond}},
		{BCDDevice: 0x2200, Letter: 'e'},
	},
	Entry:      Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:        0x1FFF7A10,
	OTP:        Range{0x1FFF7800, 512},
	OTPLock:    Range{0x1FFF7A00, 16},
	Options:    f4Options,
	Serial:     SerialUIDSum,
	EraseUnit:  "sector",
	WriteUnit:  4,
	Timing:     f4Timing,
	LowVoltage: f4LowVoltage,
	Sources:    "RM0090, RM0368, RM0383, RM0390; DS8626; AN2606; AN3156; dfu-util dfuse.c",
}

// Option-byte blocks of the STM32F4 (RM0090 3.7.1): bank 1, and bank 2 on
// STM32F42x/43x.
const (
	f4Options1 = 0x1FFFC000
	f4Options2 = 0x1FFEC000
)

func sram(k uint32) Range { return Range{0x20000000, k << 10} }

var ccm64 = Range{0x10000000, 64 << 10}

// f4Bank is one bank of STM32F4 sectors (RM0090 table 5, RM0368 table 5,
// RM0383 table 4, RM0390 table 4): 16 KB sectors 0-3, a 64 KB sector 4,
// then n128 sectors of 128 KB.
func f4Bank(n128 int, newBank bool) []group {
	g := []group{{4, 16, newBank}, {1, 64, false}}
	if n128 > 0 {
		g = append(g, group{n128, 128, false})
	}
	return g
}

// f4Chip builds an STM32F4-style chip of family f: banks of f4Bank, the
// ROM strings of the STM32F4 ROM.
func f4Chip(f *Family, name string, n128, banks int, vs ...Variant) *Chip {
	var g []group
	opts := []uint32{f4Options1}
	for b := range banks {
		g = append(g, f4Bank(n128, b > 0)...)
		if b > 0 {
			opts = append(opts, f4Options2)
		}
	}
	c := newChip(name, f, units(g...), opts, vs...)
	c.ROMStrings = stStrings(c, "%02d*%03dK", true)
	return c
}

// flashString renders erase units as the DfuSe layout string of the ROM's
// internal-flash alternate setting: runs of equal units, each as format
// (count, KiB) and the type letter g.
func flashString(name, format string, us []Unit, letter byte) string {
	var groups []string
	for i := 0; i < len(us); {
		j := i
		for j < len(us) && us[j].Size == us[i].Size {
			j++
		}
		groups = append(groups, fmt.Sprintf(format, j-i, us[i].Size>>10)+string(letter))
		i = j
	}
	return fmt.Sprintf("@%s/0x%08X/%s", name, us[0].Address, strings.Join(groups, ","))
}

// stStrings returns the alternate-setting strings of ST's ROM for chip c:
// internal flash, the option-byte blocks and, with otp, the STM32F2/F4
// OTP area and "Device Feature" alternate settings (published dfu-util -l
// logs of F4 boards).
func stStrings(c *Chip, format string, otp bool) []string {
	opt := "@Option Bytes  "
	for _, a := range c.OptionBlocks {
		opt += fmt.Sprintf("/0x%08X/01*%03d %%c", a, c.Family.Options.Size)
	}
	s := []string{flashString("Internal Flash  ", format, c.Flash, 'g'), opt}
	if otp {
		s = append(s, fmt.Sprintf("@OTP Memory /0x%08X/01*512 %%c,01*016 %%c", c.Family.OTP.Start),
			"@Device Feature/0xFFFF0000/01*004 %c")
	}
	return s
}

// stm32f4Chips are the STM32F4 flash layouts; RAM from the datasheets.
var stm32f4Chips = []*Chip{
	f4Chip(STM32F4, "STM32F401xB (128 KB)", 0, 1, Variant{"STM32F401xB", []Range{sram(64)}}),
	f4Chip(STM32F4, "STM32F401xC, STM32F411xC or STM32F446xC (256 KB)", 1, 1,
		Variant{"STM32F401xC", []Range{sram(64)}}, Variant{"STM32F411xC", []Range{sram(128)}}, Variant{"STM32F446xC", []Range{sram(128)}}),
	f4Chip(STM32F4, "STM32F401xD (384 KB)", 2, 1, Variant{"STM32F401xD", []Range{sram(96)}}),
	f4Chip(STM32F4, "STM32F401xE, STM32F411xE or STM32F446xE (512 KB)", 3, 1,
		Variant{"STM32F401xE", []Range{sram(96)}}, Variant{"STM32F411xE", []Range{sram(128)}}, Variant{"STM32F446xE", []Range{sram(128)}}),
	f4Chip(STM32F4, "STM32F405/407/415/417 (1 MB)", 7, 1,
		Variant{"STM32F405xG", []Range{sram(128), ccm64}}, Variant{"STM32F407xG", []Range{sram(128), ccm64}},
		Variant{"STM32F415xG", []Range{sram(128), ccm64}}, Variant{"STM32F417xG", []Range{sram(128), ccm64}}),
	f4Chip(STM32F4, "STM32F427/429/437/439 (2 MB, dual bank)", 7, 2,
		Variant{"STM32F427xI", []Range{sram(192), ccm64}}, Variant{"STM32F429xI", []Range{sram(192), ccm64}},
		Variant{"STM32F437xI", []Range{sram(192), ccm64}}, Variant{"STM32F439xI", []Range{sram(192), ccm64}}),
	f4Chip(STM32F4, "STM32F42x/43x (512 KB dual bank)", 1, 2, Variant{"STM32F42xxE", []Range{sram(192), ccm64}}),
	f4Chip(STM32F4, "STM32F42x/43x (1 MB dual bank)", 3, 2, Variant{"STM32F42xxG", []Range{sram(192), ccm64}}),
}
