package part

import "time"

// STM32F4 is the STM32F4 family. Addresses from RM0090 Rev 21 sections
// 2.3, 3.3 and 39.1 (unique ID); option bytes from tables 15-17; flash
// timing from the STM32F405/407 datasheet (DS8626, table "Flash memory
// programming"); the USB ID 0483:DF11 from AN3156. The other parts use the
// F405/407 timing (UNVERIFIED).
var STM32F4 = &Family{
	Name: "STM32F4",
	USB:  []USBID{{0x0483, 0xDF11}},
	ROMs: []ROM{
		// The F405/F407 ROM of a published dfu-util log reports 100 ms
		// for a mass erase (dfu-util dfuse.c).
		{BCDDevice: 0x2100, Quirks: Quirks{MassErasePoll: 100 * time.Millisecond}},
		{BCDDevice: 0x2200},
	},
	SystemMemory: 0x1FFF0000,
	UID:          0x1FFF7A10,
	OTP:          Range{0x1FFF7800, 512},
	OTPLock:      Range{0x1FFF7A00, 16},
	WRPBits:      12,
	RDP:          RDP{Offset: 1, Level0: 0xAA, Level2: 0xCC},
	Serial:       SerialUIDSum,
	Timing: Timing{
		WordProgram: [2]time.Duration{16 * time.Microsecond, 100 * time.Microsecond},
		Erase: map[uint32][2]time.Duration{
			16 << 10:  {250 * time.Millisecond, 500 * time.Millisecond},
			64 << 10:  {550 * time.Millisecond, 1100 * time.Millisecond},
			128 << 10: {1000 * time.Millisecond, 2000 * time.Millisecond},
		},
		MassErasePerMB: [2]time.Duration{8 * time.Second, 16 * time.Second},
	},
	LowVoltage: Timing{
		// x8 programs a byte at a time: four byte programs per word.
		WordProgram: [2]time.Duration{64 * time.Microsecond, 400 * time.Microsecond},
		Erase: map[uint32][2]time.Duration{
			16 << 10:  {400 * time.Millisecond, 800 * time.Millisecond},
			64 << 10:  {1200 * time.Millisecond, 2400 * time.Millisecond},
			128 << 10: {2000 * time.Millisecond, 4000 * time.Millisecond},
		},
		MassErasePerMB: [2]time.Duration{16 * time.Second, 32 * time.Second},
	},
}

// Option-byte blocks of the STM32F4 (RM0090 3.7.1): bank 1, and bank 2 on
// STM32F42x/43x.
const (
	f4Options1 = 0x1FFFC000
	f4Options2 = 0x1FFEC000
)

func sram(k uint32) Range { return Range{0x20000000, k << 10} }

var ccm64 = Range{0x10000000, 64 << 10}

// f4 sector groups (RM0090 table 5, RM0368 table 5, RM0383 table 4, RM0390
// table 4): 16 KB sectors 0-3, a 64 KB sector 4, then 128 KB sectors.
func f4Bank(n128 int, newBank bool) []group {
	g := []group{{4, 16, newBank}, {1, 64, false}}
	if n128 > 0 {
		g = append(g, group{n128, 128, false})
	}
	return g
}

func f4Chip(name string, n128, banks int, vs ...Variant) *Chip {
	var g []group
	opts := []uint32{f4Options1}
	for b := range banks {
		g = append(g, f4Bank(n128, b > 0)...)
		if b > 0 {
			opts = append(opts, f4Options2)
		}
	}
	c := &Chip{Name: name, Family: STM32F4, Flash: units(g...), OptionBlocks: opts, Variants: vs}
	for _, v := range vs {
		c.SRAM.Start, c.SRAM.Size = v.SRAM.Start, max(c.SRAM.Size, v.SRAM.Size)
		if v.CCM.Size > c.CCM.Size {
			c.CCM = v.CCM
		}
	}
	return c
}

// stm32f4Chips are the STM32F4 flash layouts; RAM from the datasheets.
var stm32f4Chips = []*Chip{
	f4Chip("STM32F401xB (128 KB)", 0, 1, Variant{"STM32F401xB", sram(64), Range{}}),
	f4Chip("STM32F401xC, STM32F411xC or STM32F446xC (256 KB)", 1, 1,
		Variant{"STM32F401xC", sram(64), Range{}}, Variant{"STM32F411xC", sram(128), Range{}}, Variant{"STM32F446xC", sram(128), Range{}}),
	f4Chip("STM32F401xD (384 KB)", 2, 1, Variant{"STM32F401xD", sram(96), Range{}}),
	f4Chip("STM32F401xE, STM32F411xE or STM32F446xE (512 KB)", 3, 1,
		Variant{"STM32F401xE", sram(96), Range{}}, Variant{"STM32F411xE", sram(128), Range{}}, Variant{"STM32F446xE", sram(128), Range{}}),
	f4Chip("STM32F405/407/415/417 (1 MB)", 7, 1,
		Variant{"STM32F405xG", sram(128), ccm64}, Variant{"STM32F407xG", sram(128), ccm64},
		Variant{"STM32F415xG", sram(128), ccm64}, Variant{"STM32F417xG", sram(128), ccm64}),
	f4Chip("STM32F427/429/437/439 (2 MB, dual bank)", 7, 2,
		Variant{"STM32F427xI", sram(192), ccm64}, Variant{"STM32F429xI", sram(192), ccm64},
		Variant{"STM32F437xI", sram(192), ccm64}, Variant{"STM32F439xI", sram(192), ccm64}),
	f4Chip("STM32F42x/43x (512 KB dual bank)", 1, 2, Variant{"STM32F42xxE", sram(192), ccm64}),
	f4Chip("STM32F42x/43x (1 MB dual bank)", 3, 2, Variant{"STM32F42xxG", sram(192), ccm64}),
}
