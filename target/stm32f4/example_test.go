package stm32f4_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
)

// A CircuitPython-like firmware on a simulated Feather STM32F405: its
// reset handler calls EarlyStartup first; the running program then asks
// for the bootloader the CircuitPython way.
func Example() {
	// The Feather's 12 MHz crystal, which its old ROM misses 7 times in 12.
	hse := mcu.HSE{Hz: 12_000_000, DetectTimeout: 790 * time.Microsecond, MissProbability: 7.0 / 12}
	var dev *stm32f4.Device
	chip, _ := mcu.New(mcu.Config{
		HSE:  hse,
		Rand: rand.New(rand.NewPCG(4, 0)),
		Hooks: mcu.Hooks{AppStart: func(c *mcu.Chip, _ mcu.StartCause) {
			// Reset handler.
			st := dev.EarlyStartup()
			if st.Mode == stm32f4.Bootloader {
				fmt.Println("start-up: entering the ROM, attempt", st.Attempt)
				return // on silicon EarlyStartup never returns here
			}
			_ = c.InitApplication(mcu.TypicalApp()) // clocks, USB, SysTick, ...
		}},
	})
	dev, _ = stm32f4.New(chip, chip, stm32f4.Config{Store: stm32f4.BackupRegister(0)})
	chip.PowerOn()

	// microcontroller.on_next_reset(RunMode.BOOTLOADER); microcontroller.reset()
	_ = dev.OnNextReset(stm32f4.Bootloader)
	dev.Reset()

	fmt.Println("now running:", chip.State())
	// Output:
	// start-up: entering the ROM, attempt 1
	// start-up: entering the ROM, attempt 2
	// now running: rom-bootloader
}
