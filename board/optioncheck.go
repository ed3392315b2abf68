package board

import (
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// OptionRisks are the option-byte changes with a consequence beyond the
// reset that a caller allows, each by its own flag.
type OptionRisks struct {
	// FreezeBoot allows write-protecting the sector with the vector table.
	FreezeBoot bool
	// Watchdog allows a hardware watchdog (clearing WDG_SW, IWDG_SW or
	// WWDG_SW).
	Watchdog bool
	// Brownout allows raising the BOR level.
	Brownout bool
	// BootAddress allows changing BOOT_ADD0 or BOOT_ADD1 (STM32F7).
	BootAddress bool
	// BankMode allows changing nDBANK (STM32F76x/77x).
	BankMode bool
	// DualBoot allows clearing nDBOOT (STM32F76x/77x).
	DualBoot bool
}

// Risk names an option-byte change whose consequence goes beyond the
// reset (the fields of OptionRisks).
type Risk int

// Risks.
const (
	RiskFreezeBoot Risk = iota
	RiskWatchdog
	RiskBrownout
	RiskBootAddress
	RiskBankMode
	RiskDualBoot
)

// RiskError refuses a change that needs its risk allowed
// (OptionRisks); the front end names how to allow it.
type RiskError struct {
	Risk   Risk
	Detail string
}

func (e *RiskError) Error() string { return e.Detail + "; allow it only if that is what you want" }

// Kind is Usage.
func (e *RiskError) Kind() Kind { return Usage }

func riskf(r Risk, format string, a ...any) error {
	return &RiskError{Risk: r, Detail: fmt.Sprintf(format, a...)}
}

// userReserved returns the USER bits no option uses: bits 1:0 (RM0090
// 3.7.1, RM0410 3.4), and on an STM32F4 with one bank bit 4 (BFB2).
func userReserved(lay optionbytes.Layout, blocks int) byte {
	r := byte(0x03)
	if lay == optionbytes.F4 && blocks < 2 {
		r |= optionbytes.F4BFB2
	}
	return r
}

// CheckOptionChange refuses, before anything is written, the option-byte
// changes that need a flag naming their consequence (r), and changes to
// reserved bits. cur are the blocks read, want those to write; layout is
// the board's internal flash.
func CheckOptionChange(cur, want []optionbytes.Block, layout dfu.Layout, chip *part.Chip, r OptionRisks) error {
	if err := NotChangeable(chip, "this board"); err != nil {
		return err
	}
	if len(cur) == 0 || len(want) != len(cur) {
		return Errorf(Usage, "the change has %d option-byte blocks, the board %d", len(want), len(cur))
	}
	secs := layout.All()
	if err := checkFreezeBoot(cur, want, secs, chip, r); err != nil {
		return err
	}
	if err := checkUser(cur, want, r); err != nil {
		return err
	}
	if err := checkWRPWord(cur, want, secs, chip, r); err != nil {
		return err
	}
	return checkBootAdd(cur[0], want[0], chip, r)
}

func checkFreezeBoot(cur, want []optionbytes.Block, secs []dfu.Sector, chip *part.Chip, r OptionRisks) error {
	if len(secs) == 0 {
		return nil
	}
	bank, bit := chip.WRPBit(secs[0].Address)
	if bank < 0 || bank >= len(want) {
		return nil
	}
	was, will := cur[bank].NWRP&(1<<bit) == 0, want[bank].NWRP&(1<<bit) == 0
	if will && !was && !r.FreezeBoot {
		return riskf(RiskFreezeBoot, "write-protecting sector %d, which holds the vector table at 0x%08x, freezes the start of the application: no DFU update (softdfu's or any tool's) can change it until the protection is removed again", secs[0].Index, secs[0].Address)
	}
	return nil
}

func checkUser(cur, want []optionbytes.Block, r OptionRisks) error {
	lay := cur[0].Layout
	o, n := cur[0].User, want[0].User
	reserved := userReserved(lay, len(want))
	if (o^n)&reserved != 0 {
		return Errorf(Usage, "USER 0x%02x changes reserved USER bits (mask 0x%02x): keep them as the board has them (0x%02x), for example USER 0x%02x", n, reserved, o&reserved, n&^reserved|o&reserved)
	}
	wdg := []struct {
		bit  byte
		name string
	}{{optionbytes.F4WDGSW, "WDG_SW: the independent watchdog"}}
	if lay == optionbytes.F7 {
		wdg = []struct {
			bit  byte
			name string
		}{{optionbytes.F7IWDGSW, "IWDG_SW: the independent watchdog"}, {optionbytes.F7WWDGSW, "WWDG_SW: the window watchdog"}}
	}
	for _, w := range wdg {
		if o&w.bit != 0 && n&w.bit == 0 && !r.Watchdog {
			return riskf(RiskWatchdog, "USER 0x%02x clears %s then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until the bit is set again", n, w.name)
		}
	}
	if n&optionbytes.BORLev>>2 < o&optionbytes.BORLev>>2 && !r.Brownout {
		return riskf(RiskBrownout, "USER 0x%02x raises the brown-out reset threshold from %s to %s: below that supply voltage the chip is held in reset and starts nothing, the ROM bootloader included; allow it only if the board's supply is always above it", n, cur[0].BORLevel(), want[0].BORLevel())
	}
	return nil
}

// checkWRPWord refuses changes to bits of the word at offset 8 that
// protect no sector, unless they are options the layout knows (F7: the
// IWDG freeze bits freely, nDBANK and nDBOOT with their flags).
func checkWRPWord(cur, want []optionbytes.Block, secs []dfu.Sector, chip *part.Chip, r OptionRisks) error {
	for i := range want {
		used := uint16(0)
		for _, s := range secs {
			if bank, bit := chip.WRPBit(s.Address); bank == i && bit >= 0 {
				used |= 1 << bit
			}
		}
		d := (cur[i].NWRP ^ want[i].NWRP) &^ used
		if cur[i].Layout == optionbytes.F7 {
			d &^= optionbytes.F7IWDGStop | optionbytes.F7IWDGStdby
			if chip.HasBankOptions() {
				if err := checkBankBits(cur[i].NWRP, want[i].NWRP, r); err != nil {
					return err
				}
				d &^= optionbytes.F7NDBANK | optionbytes.F7NDBOOT
			}
		}
		if d != 0 {
			return Errorf(Usage, "the nWRP word of block %d would change bits 0x%04x that protect no sector of this board (reserved, or on F42x/43x SPRMOD/DB1M, which change what the other bits mean): keep them as they are (nWRP now 0x%04x)", i+1, d, cur[i].NWRP)
		}
	}
	return nil
}

func checkBankBits(o, n uint16, r OptionRisks) error {
	if (o^n)&optionbytes.F7NDBANK != 0 && !r.BankMode {
		mode := "two banks of 128 KB sectors (nDBANK = 0)"
		if n&optionbytes.F7NDBANK != 0 {
			mode = "one bank of 256 KB sectors (nDBANK = 1)"
		}
		return riskf(RiskBankMode, "changing nDBANK makes the flash %s: every sector number and size changes, firmware linked for the other mode no longer fits its sectors, and the ROM shows another memory map after the reset", mode)
	}
	if o&optionbytes.F7NDBOOT != 0 && n&optionbytes.F7NDBOOT == 0 && !r.DualBoot {
		return riskf(RiskDualBoot, "clearing nDBOOT turns on dual boot (RM0410, FLASH_OPTCR nDBOOT): in dual-bank mode the chip may then start from bank 2 instead of bank 1")
	}
	return nil
}

func checkBootAdd(cur, want optionbytes.Block, chip *part.Chip, r OptionRisks) error {
	if cur.Layout != optionbytes.F7 || cur.BootAdd == want.BootAdd || r.BootAddress {
		return nil
	}
	if want.BootAdd[1] != cur.BootAdd[1] && want.BootAdd[1] != optionbytes.F7BootSystem {
		return riskf(RiskBootAddress, "BOOT_ADD1 0x%04x makes BOOT0 high start 0x%08x instead of the ROM bootloader (0x%04x, 0x%08x): holding BOOT0 high then no longer reaches DFU, only firmware can enter it", want.BootAdd[1], optionbytes.BootAddress(want.BootAdd[1]), optionbytes.F7BootSystem, optionbytes.BootAddress(optionbytes.F7BootSystem))
	}
	for i, v := range want.BootAdd {
		if v == cur.BootAdd[i] {
			continue
		}
		where := "not internal flash: the application there no longer starts"
		if a := optionbytes.BootAddress(v); chip.FlashRange().Contains(a) || (a >= 0x00200000 && a < 0x00200000+chip.FlashRange().Size) {
			where = "internal flash"
		}
		return riskf(RiskBootAddress, "BOOT_ADD%d 0x%04x -> 0x%04x moves where the chip starts with BOOT0 %s to 0x%08x (%s)", i, cur.BootAdd[i], v, map[int]string{0: "low", 1: "high"}[i], optionbytes.BootAddress(v), where)
	}
	return nil
}
