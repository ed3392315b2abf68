// Package entrybench measures how often software entry into the ROM DFU
// bootloader succeeds on a simulated board: the seed's direct jump from
// the running application against this project's reliable entry (request
// word, system reset, entry from early start-up, retry when the ROM resets
// back). Everything runs on simulated time, so a thousand trials take
// milliseconds. The CLI exposes it as `softdfu bench entry`.
package entrybench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
)

// Method names as printed.
const (
	DirectJump = "direct-jump"
	Reliable   = "reliable"
)

// Options configure Run.
type Options struct {
	// Board names the board (a sim.Boards name, as --sim takes); "" means
	// "feather-f405".
	Board string
	// Trials per method; 0 means 1000.
	Trials int
	// MissProbability overrides the board's HSE miss probability when it
	// is in [0,1]; negative keeps the board's value.
	MissProbability float64
	// Seed makes runs repeat.
	Seed uint64
	// Store is "backup" (RTC_BKP0R, the default) or "ram" (a RAM word).
	Store string
	// MaxAttempts for the reliable method; 0 means the package default.
	MaxAttempts int
	// Watchdog, if not zero, makes the application run the independent
	// watchdog with this timeout.
	Watchdog time.Duration
	// Hold is how long the board must then stay in the ROM bootloader to
	// count as a success (a DFU session); 0 checks right after entry.
	Hold time.Duration
}

// DefaultOptions are feather-f405, 1000 trials, the board's miss rate,
// seed 1, backup-register store.
func DefaultOptions() Options {
	return Options{Board: "feather-f405", Trials: 1000, MissProbability: -1, Seed: 1, Store: "backup"}
}

// Result is one method's outcome.
type Result struct {
	Method    string
	Successes int
	Trials    int
	// ROMEntries and HSEMisses count every ROM start and every detection
	// miss over all trials (the reliable method retries).
	ROMEntries int
	HSEMisses  int
}

// Rate is Successes/Trials.
func (r Result) Rate() float64 {
	if r.Trials == 0 {
		return 0
	}
	return float64(r.Successes) / float64(r.Trials)
}

// String formats the result as the CLI prints it: "reliable: 100.0% (1000/1000)".
func (r Result) String() string {
	return fmt.Sprintf("%s: %.1f%% (%d/%d)", r.Method, 100*r.Rate(), r.Successes, r.Trials)
}

// ramWord is where the "ram" store keeps its request: a word just past a
// typical .bss, below the stack.
const ramWord = 0x20010000

// Run runs o.Trials trials of the direct jump, then of the reliable
// method, and returns their results in that order.
func Run(ctx context.Context, o Options) ([]Result, error) {
	if o.Board == "" {
		o.Board = "feather-f405"
	}
	board, err := sim.LookupBoard(o.Board)
	if err != nil {
		return nil, fmt.Errorf("entrybench: %w", err)
	}
	if o.Trials == 0 {
		o.Trials = 1000
	}
	if o.Trials < 0 {
		return nil, fmt.Errorf("entrybench: trials %d must be positive", o.Trials)
	}
	hse := board.HSE()
	if o.Watchdog < 0 || o.Watchdog > 32*time.Second || o.Hold < 0 {
		return nil, fmt.Errorf("entrybench: watchdog %v must be in 0..32s and hold %v not negative", o.Watchdog, o.Hold)
	}
	if o.MissProbability > 1 {
		return nil, fmt.Errorf("entrybench: miss probability %v is over 1", o.MissProbability)
	}
	if o.MissProbability >= 0 {
		hse.MissProbability = o.MissProbability
	}
	var store stm32f4.Store
	switch o.Store {
	case "", "backup":
		store = stm32f4.BackupRegister(0)
	case "ram":
		store = stm32f4.RAMWord(ramWord)
	default:
		return nil, fmt.Errorf("entrybench: store %q: use \"backup\" or \"ram\"", o.Store)
	}
	var out []Result
	for i, method := range []string{DirectJump, Reliable} {
		rng := rand.New(rand.NewPCG(o.Seed, uint64(i)))
		res := Result{Method: method, Trials: o.Trials}
		for range o.Trials {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ok, st, err := trial(method, hse, rng, stm32f4.Config{Store: store, MaxAttempts: o.MaxAttempts}, o)
			if err != nil {
				return nil, err
			}
			if ok {
				res.Successes++
			}
			res.ROMEntries += st.ROMEntries
			res.HSEMisses += st.HSEMisses
		}
		out = append(out, res)
	}
	return out, nil
}

// trial powers a fresh chip running a CircuitPython-like application,
// lets it run for a while, asks for the bootloader with method and reports
// whether the chip ends up in the ROM bootloader.
func trial(method string, hse mcu.HSE, rng *rand.Rand, cfg stm32f4.Config, o Options) (bool, mcu.Stats, error) {
	app := mcu.TypicalApp()
	app.Watchdog = o.Watchdog
	var dev *stm32f4.Device
	var appErr error
	chip, err := mcu.New(mcu.Config{
		HSE:  hse,
		Rand: rng,
		Hooks: mcu.Hooks{AppStart: func(c *mcu.Chip, _ mcu.StartCause) {
			if dev.EarlyStartup().Mode == stm32f4.Bootloader {
				return
			}
			if err := c.InitApplication(app); err != nil && appErr == nil {
				appErr = err
			}
		}},
	})
	if err != nil {
		return false, mcu.Stats{}, err
	}
	if dev, err = stm32f4.New(chip, chip, cfg); err != nil {
		return false, mcu.Stats{}, err
	}
	if s := chip.PowerOn(); s.Running != mcu.Application || appErr != nil {
		return false, mcu.Stats{}, fmt.Errorf("entrybench: application did not start: %s %v", s, appErr)
	}
	chip.Advance(2 * time.Second)
	switch method {
	case DirectJump:
		dev.JumpToBootloaderDirect()
	case Reliable:
		if err := dev.OnNextReset(stm32f4.Bootloader); err != nil {
			return false, mcu.Stats{}, err
		}
		dev.Reset()
	}
	if chip.State().Running == mcu.ROMBootloader && o.Hold > 0 {
		chip.Advance(o.Hold)
	}
	return chip.State().Running == mcu.ROMBootloader, chip.Stats(), nil
}
