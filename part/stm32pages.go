package part

import (
	"fmt"
	"time"
)

// pageTiming is the timing of the families that program 64-bit double
// words and erase pages: per 32-bit word half a double word's time.
func pageTiming(doubleWord [2]time.Duration, pageKiB []uint32, pageErase [2]time.Duration, massErase [2]time.Duration) Timing {
	t := Timing{
		WordProgram:    [2]time.Duration{doubleWord[0] / 2, doubleWord[1] / 2},
		Erase:          map[uint32][2]time.Duration{},
		MassErasePerMB: massErase,
	}
	for _, k := range pageKiB {
		t.Erase[k<<10] = pageErase
	}
	return t
}

// l4Timing is the STM32L476 datasheet's (DS10198, "Flash memory
// characteristics"): 64-bit programming 81.69 µs typical, 90.76 µs
// maximum; page erase 22.02 ms, 24.47 ms; mass erase 22.13 ms, 24.59 ms.
var l4Timing = pageTiming([2]time.Duration{81690 * time.Nanosecond, 90760 * time.Nanosecond}, []uint32{2, 4, 8},
	[2]time.Duration{22020 * time.Microsecond, 24470 * time.Microsecond}, [2]time.Duration{22130 * time.Microsecond, 24590 * time.Microsecond})

// pageOptions is the option-byte block of the STM32L4/G0/G4/WB: FLASH_OPTR
// first, RDP in bits 7:0 (0xAA level 0, 0xCC level 2); write protection
// is a pair of page ranges per bank (WRPxAR at offset 0x18, WRPxBR at
// 0x20), which softdfu shows and does not change (OptionsPageWRP).
func pageOptions(size uint32) Options {
	return Options{Size: size, RDP: RDP{Offset: 0, Level0: 0xAA, Level2: 0xCC}, Layout: OptionsPageWRP}
}

// STM32L4 is the STM32L4 family (RM0351 for L47x/L48x/L49x/L4Ax, RM0432
// for L4Rx/L4Sx): 2 KB pages (4 KB in dual-bank and 8 KB in single-bank
// mode on L4R/L4S), system memory at 0x1FFF0000 with the remap (AN2606),
// unique ID at 0x1FFF7590, option bytes at 0x1FFF7800 and, for bank 2,
// 0x1FFFF800. Some of its ROMs stall GETSTATUS while busy (dfu-util). The
// ROM's layout strings are UNVERIFIED: the STM32G4 form stands in.
var STM32L4 = &Family{
	Name:      "STM32L4",
	USB:       []USBID{ST},
	ROMs:      []ROM{{BCDDevice: 0x2200, Letter: 'e'}},
	Quirks:    Quirks{StallsWhilePolled: true},
	Entry:     Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:       0x1FFF7590,
	Options:   pageOptions(40),
	EraseUnit: "page",
	WriteUnit: 8,
	Timing:    l4Timing,
	Sources:   "RM0351, RM0432; DS10198; AN2606; dfu-util dfuse.c (STM32L4 stall workaround)",
}

// pageChip builds a page-erase chip of family f; options lists the
// option-byte blocks (one per bank on dual-bank parts).
func pageChip(f *Family, name string, flash []Unit, options []uint32, vs ...Variant) *Chip {
	c := newChip(name, f, flash, options, vs...)
	opt := "@Option Bytes   "
	for _, a := range options {
		opt += fmt.Sprintf("/0x%08X/01*%03d %%c", a, f.Options.Size)
	}
	c.ROMStrings = []string{flashString("Internal Flash   ", "%02d*%02dK", flash, 'g'), opt}
	return c
}

var (
	l4Options2 = []uint32{0x1FFF7800, 0x1FFFF800}
	l476RAM    = []Range{sram(128), ram(0x10000000, 32)}
	l4r5RAM    = []Range{sram(640)}
)

var stm32l4Chips = []*Chip{
	pageChip(STM32L4, "STM32L475/476/486xG (1 MB, dual bank, 2 KB pages)", pages(512, 2, 2), l4Options2,
		Variant{"STM32L475xG", l476RAM}, Variant{"STM32L476xG", l476RAM}, Variant{"STM32L486xG", l476RAM}),
	pageChip(STM32L4, "STM32L475/476xE (512 KB, dual bank, 2 KB pages)", pages(256, 2, 2), l4Options2,
		Variant{"STM32L475xE", l476RAM}, Variant{"STM32L476xE", l476RAM}),
	pageChip(STM32L4, "STM32L4R5/R7/R9/S5/S7/S9xI (2 MB, dual bank, 4 KB pages)", pages(512, 4, 2), l4Options2,
		Variant{"STM32L4R5xI", l4r5RAM}, Variant{"STM32L4R7xI", l4r5RAM}, Variant{"STM32L4R9xI", l4r5RAM}),
	pageChip(STM32L4, "STM32L4R5/R7/R9/S5/S7/S9xI (2 MB, single bank, 8 KB pages)", pages(256, 8, 1), l4Options2[:1],
		Variant{"STM32L4R5xI", l4r5RAM}, Variant{"STM32L4R7xI", l4r5RAM}, Variant{"STM32L4R9xI", l4r5RAM}),
}

// STM32G0 is the STM32G0B1/G0C1 line, the G0 parts with USB (RM0444):
// 2 KB pages in two banks on 256 KB and 512 KB parts, system memory at
// 0x1FFF0000 (AN2606), unique ID at 0x1FFF7590, option bytes at
// 0x1FFF7800, bank 1's WRP1AR and WRP1BR at 0x1FFF7818 and 0x1FFF7820
// (edbg target_st_stm32g0.c, for G071/G031; the same offsets assumed for
// G0B1, UNVERIFIED; where bank 2's WRP2AR and WRP2BR sit in the block is
// not decoded here). Timing is the
// STM32L4's (UNVERIFIED for G0); the ROM's option-byte block size is
// UNVERIFIED.
var STM32G0 = &Family{
	Name:      "STM32G0",
	USB:       []USBID{ST},
	ROMs:      []ROM{{BCDDevice: 0x2200, Letter: 'e'}},
	Entry:     Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:       0x1FFF7590,
	Options:   pageOptions(128),
	EraseUnit: "page",
	WriteUnit: 8,
	Timing:    l4Timing,
	Sources:   "RM0444; AN2606",
}

var g0b1RAM = []Range{sram(144)}

var stm32g0Chips = []*Chip{
	pageChip(STM32G0, "STM32G0B1/G0C1xE (512 KB, dual bank)", pages(256, 2, 2), []uint32{0x1FFF7800},
		Variant{"STM32G0B1xE", g0b1RAM}, Variant{"STM32G0C1xE", g0b1RAM}),
	pageChip(STM32G0, "STM32G0B1/G0C1xC (256 KB, dual bank)", pages(128, 2, 2), []uint32{0x1FFF7800},
		Variant{"STM32G0B1xC", g0b1RAM}, Variant{"STM32G0C1xC", g0b1RAM}),
	pageChip(STM32G0, "STM32G0B1xB (128 KB)", pages(64, 2, 1), []uint32{0x1FFF7800}, Variant{"STM32G0B1xB", g0b1RAM}),
}

// STM32G4 is the STM32G4 family (RM0440): 2 KB pages (4 KB on a
// category 3 part set to single bank), system memory at 0x1FFF0000 with
// the remap (AN2606), unique ID at 0x1FFF7590; the G47x ROM shows both
// banks' option bytes in one string, "@Option Bytes   /0x1FFF7800/01*048
// e/0x1FFFF800/01*048 e" (betaflight-configurator webusbdfu.js). Timing
// from DS12288 (the L4 figures).
var STM32G4 = &Family{
	Name:      "STM32G4",
	USB:       []USBID{ST},
	ROMs:      []ROM{{BCDDevice: 0x2200, Letter: 'e'}},
	Entry:     Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:       0x1FFF7590,
	Options:   pageOptions(48),
	EraseUnit: "page",
	WriteUnit: 8,
	Timing:    l4Timing,
	Sources:   "RM0440; DS12288; AN2606; betaflight-configurator webusbdfu.js",
}

var (
	g431RAM = []Range{sram(32), ram(0x10000000, 10)}
	g474RAM = []Range{sram(128), ram(0x10000000, 32)}
)

var stm32g4Chips = []*Chip{
	pageChip(STM32G4, "STM32G431/441xB (128 KB)", pages(64, 2, 1), []uint32{0x1FFF7800},
		Variant{"STM32G431xB", g431RAM}, Variant{"STM32G441xB", g431RAM}),
	pageChip(STM32G4, "STM32G473/474/483/484xE (512 KB, dual bank)", pages(256, 2, 2), l4Options2,
		Variant{"STM32G473xE", g474RAM}, Variant{"STM32G474xE", g474RAM}, Variant{"STM32G484xE", g474RAM}),
	pageChip(STM32G4, "STM32G473/474/483/484xE (512 KB, single bank)", pages(128, 4, 1), l4Options2[:1],
		Variant{"STM32G473xE", g474RAM}, Variant{"STM32G474xE", g474RAM}, Variant{"STM32G484xE", g474RAM}),
}

// STM32WB is the STM32WB55/WB35 line (RM0434): 4 KB pages, system memory
// at 0x1FFF0000 (AN2606), unique ID at 0x1FFF7590, option bytes at
// 0x1FFF8000. The radio firmware (FUS and wireless stack) sits at the top
// of flash from the secure start address SFSA and the ROM refuses to erase
// it ("Operation exceeds memory limits", STM32CubeWB #41); it refuses a
// mass erase (pyOCD #811). The reserved range here starts where ST's
// release notes put the full BLE stack (UNVERIFIED: it depends on the
// stack installed). Timing is the STM32L4's (UNVERIFIED for WB).
var STM32WB = &Family{
	Name:      "STM32WB",
	USB:       []USBID{ST},
	ROMs:      []ROM{{BCDDevice: 0x2200, Letter: 'e'}},
	Quirks:    Quirks{NoMassErase: true},
	Entry:     Entry{SystemMemory: 0x1FFF0000, Remap: true},
	UID:       0x1FFF7590,
	Options:   pageOptions(128),
	EraseUnit: "page",
	WriteUnit: 8,
	Timing:    l4Timing,
	Sources:   "RM0434; AN2606; STM32CubeWB #41; pyOCD #811",
}

var wb55RAM = []Range{sram(256)}

func wbChip(name string, n int, reservedFrom uint32, vs ...Variant) *Chip {
	c := pageChip(STM32WB, name, pages(n, 4, 1), []uint32{0x1FFF8000}, vs...)
	end := c.FlashRange().End()
	c.Reserved = []Range{{reservedFrom, uint32(end - uint64(reservedFrom))}}
	return c
}

var stm32wbChips = []*Chip{
	wbChip("STM32WB55xG (1 MB)", 256, 0x080CB000, Variant{"STM32WB55xG", wb55RAM}),
	wbChip("STM32WB55xE (512 KB)", 128, 0x0804B000, Variant{"STM32WB55xE", wb55RAM}),
}
