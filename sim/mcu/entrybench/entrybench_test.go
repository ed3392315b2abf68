package entrybench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
)

// TestFeatherF405 checks the statistical outcome with a fixed seed: the
// direct jump succeeds about as often as the ROM finds the crystal (5/12,
// 41.7%), the reliable method at least 99.9% of the time.
func TestFeatherF405(t *testing.T) {
	for _, store := range []string{"backup", "ram"} {
		t.Run(store, func(t *testing.T) {
			o := DefaultOptions()
			o.Store = store
			res, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 2 || res[0].Method != DirectJump || res[1].Method != Reliable {
				t.Fatalf("results %v", res)
			}
			direct, reliable := res[0], res[1]
			// 1000 trials at p=5/12: sd 1.6%; allow about 3 sd.
			if r := direct.Rate(); r < 0.37 || r > 0.47 {
				t.Errorf("%s, want about 41.7%%", direct)
			}
			if r := reliable.Rate(); r < 0.999 {
				t.Errorf("%s, want at least 99.9%%", reliable)
			}
			if reliable.HSEMisses == 0 || reliable.ROMEntries != reliable.Successes+reliable.HSEMisses {
				t.Errorf("reliable: %d ROM entries, %d misses, %d successes: every miss should be retried",
					reliable.ROMEntries, reliable.HSEMisses, reliable.Successes)
			}
			again, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if again[0] != direct || again[1] != reliable {
				t.Errorf("same seed, different results: %v then %v", res, again)
			}
		})
	}
}

func TestExactOutputWithSeed1(t *testing.T) {
	res, err := Run(context.Background(), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	got := res[0].String() + "\n" + res[1].String()
	want := "direct-jump: 41.2% (412/1000)\nreliable: 100.0% (1000/1000)"
	if got != want {
		t.Fatalf("output\n%s\nwant\n%s", got, want)
	}
}

func TestMissProbabilityParameter(t *testing.T) {
	for _, tc := range []struct {
		p                  float64
		direct, reliableOK int
	}{
		{0, 200, 200},
		{1, 0, 0},
	} {
		o := DefaultOptions()
		o.Trials, o.MissProbability = 200, tc.p
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Successes != tc.direct || res[1].Successes != tc.reliableOK {
			t.Errorf("p=%v: %v, want %d and %d successes", tc.p, res, tc.direct, tc.reliableOK)
		}
	}
}

// TestWatchdog: with the application's watchdog running, a direct jump
// lands in a ROM that the watchdog resets within its timeout; the reliable
// entry goes through a system reset, which stops the watchdog.
func TestWatchdog(t *testing.T) {
	o := DefaultOptions()
	o.Trials, o.Watchdog, o.Hold = 200, 2*time.Second, 30*time.Second
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Successes != 0 || res[1].Successes != 200 {
		t.Fatalf("%v, want direct 0/200 and reliable 200/200", res)
	}
	if res[0].ROMEntries < 50 {
		t.Fatalf("direct jump reached the ROM only %d times; the failures should be watchdog resets", res[0].ROMEntries)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(o *Options)
		want string
	}{
		{"unknown board", func(o *Options) { o.Board = "pyboard" }, `unknown board "pyboard": known boards are apm32f407-mini, at-start-f437, blackpill-f401`},
		{"negative trials", func(o *Options) { o.Trials = -1 }, "must be positive"},
		{"probability over 1", func(o *Options) { o.MissProbability = 2 }, "over 1"},
		{"bad store", func(o *Options) { o.Store = "flash" }, `store "flash"`},
		{"bad attempts", func(o *Options) { o.MaxAttempts = 300 }, "1..255"},
		{"watchdog too long", func(o *Options) { o.Watchdog = time.Minute }, "0..32s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.mod(&o)
			_, err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run: %v, want error containing %q", err, tc.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, DefaultOptions()); err != context.Canceled {
		t.Fatalf("cancelled Run: %v", err)
	}
}

// BenchmarkEntry1000 is `softdfu bench entry --trials 1000` (both methods).
func BenchmarkEntry1000(b *testing.B) {
	for b.Loop() {
		if _, err := Run(context.Background(), DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEveryCatalogBoard: the bench takes every board name --sim takes (one
// catalog, sim.Boards), and only those.
func TestEveryCatalogBoard(t *testing.T) {
	for _, name := range sim.BoardNames() {
		o := DefaultOptions()
		o.Board, o.Trials = name, 3
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(res) != 2 || res[1].Successes != 3 {
			t.Errorf("%s: %+v, want the reliable method to succeed 3/3", name, res)
		}
	}
	o := DefaultOptions()
	o.Board = "stm32f4discovery" // the old second catalog's name
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "discovery-f407") {
		t.Errorf("stm32f4discovery: %v, want an error listing the catalog (discovery-f407)", err)
	}
}
