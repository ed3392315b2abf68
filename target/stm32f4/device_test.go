package stm32f4_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
)

// board is a simulated chip running firmware whose reset handler calls
// EarlyStartup and then sets up a CircuitPython-like application.
type board struct {
	t        *testing.T
	chip     *mcu.Chip
	dev      *stm32f4.Device
	startups []stm32f4.Startup
	app      mcu.AppProfile
}

type boardOpts struct {
	store stm32f4.Store
	miss  float64
	vbat  bool
	noRTC bool
	cfg   stm32f4.Config
	// family is the chip's register map (zero: an STM32F4's).
	family mcu.Family
}

func newBoard(t *testing.T, o boardOpts) *board {
	t.Helper()
	b := powerOn(t, o)
	if s := b.chip.State(); s.Running != mcu.Application {
		t.Fatalf("PowerOn: %s", s)
	}
	return b
}

// powerOn builds the board and applies power, whatever the chip then
// runs.
func powerOn(t *testing.T, o boardOpts) *board {
	t.Helper()
	b := &board{t: t, app: mcu.TypicalApp()}
	if o.noRTC {
		b.app.RTC = false
	}
	chip, err := mcu.New(mcu.Config{
		HSE:    mcu.HSE{Hz: 12_000_000, DetectTimeout: 790 * time.Microsecond, MissProbability: o.miss},
		Rand:   rand.New(rand.NewPCG(42, 1)),
		VBAT:   o.vbat,
		Family: o.family,
		Hooks: mcu.Hooks{AppStart: func(c *mcu.Chip, _ mcu.StartCause) {
			st := b.dev.EarlyStartup()
			b.startups = append(b.startups, st)
			if st.Mode == stm32f4.Bootloader {
				return
			}
			if c.State().Running != mcu.Application {
				return // EarlyStartup faulted
			}
			if err := c.InitApplication(b.app); err != nil {
				t.Errorf("application set-up: %v", err)
			}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := o.cfg
	cfg.Store = o.store
	dev, err := stm32f4.New(chip, chip, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.chip, b.dev = chip, dev
	chip.PowerOn()
	return b
}

func (b *board) last() stm32f4.Startup {
	b.t.Helper()
	if len(b.startups) == 0 {
		b.t.Fatal("no start-up ran")
	}
	return b.startups[len(b.startups)-1]
}

func (b *board) want(r mcu.Running) {
	b.t.Helper()
	if s := b.chip.State(); s.Running != r {
		b.t.Fatalf("chip state %s, want %s", s, r)
	}
}

var stores = []struct {
	name  string
	store stm32f4.Store
}{
	{"backup register", stm32f4.BackupRegister(0)},
	{"backup register 17", stm32f4.BackupRegister(17)},
	{"RAM word", stm32f4.RAMWord(0x20010000)},
	{"CCM word", stm32f4.RAMWord(0x1000FFFC)},
}

func TestRunModeString(t *testing.T) {
	for _, tc := range []struct {
		m    stm32f4.RunMode
		want string
	}{
		{stm32f4.Normal, "normal"}, {stm32f4.SafeMode, "safe-mode"}, {stm32f4.UF2, "uf2"},
		{stm32f4.Bootloader, "bootloader"}, {stm32f4.RunMode(9), "RunMode(9)"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.m, got, tc.want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	chip, err := mcu.New(mcu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  stm32f4.Config
		want string
	}{
		{"backup index too high", stm32f4.Config{Store: stm32f4.BackupRegister(18)}, "use 0..17"},
		{"backup index negative", stm32f4.Config{Store: stm32f4.BackupRegister(-1)}, "use 0..17"},
		{"RAM unaligned", stm32f4.Config{Store: stm32f4.RAMWord(0x20000002)}, "aligned word"},
		{"RAM past SRAM", stm32f4.Config{Store: stm32f4.RAMWord(0x20020000)}, "aligned word"},
		{"zero store", stm32f4.Config{}, "RAM word 0x00000000"},
		{"attempts too many", stm32f4.Config{Store: stm32f4.BackupRegister(0), MaxAttempts: 256}, "1..255"},
		{"negative age", stm32f4.Config{Store: stm32f4.BackupRegister(0), MaxAge: -1}, "negative"},
		{"age over 12 h", stm32f4.Config{Store: stm32f4.BackupRegister(0), MaxAge: 13 * time.Hour}, "12 h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stm32f4.New(chip, chip, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want error containing %q", err, tc.want)
			}
		})
	}
	if _, err := stm32f4.New(nil, chip, stm32f4.Config{Store: stm32f4.BackupRegister(0)}); err == nil {
		t.Fatal("New accepted a nil Bus")
	}
	if err := (&stm32f4.Device{}).OnNextReset(stm32f4.RunMode(7)); err == nil {
		t.Fatal("OnNextReset accepted run mode 7")
	}
}

// TestBootloaderEntry: the reliable path enters the ROM from both stores.
func TestBootloaderEntry(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			b := newBoard(t, boardOpts{store: s.store})
			if err := b.dev.OnNextReset(stm32f4.Bootloader); err != nil {
				t.Fatal(err)
			}
			if m, ok := b.dev.Pending(); !ok || m != stm32f4.Bootloader {
				t.Fatalf("Pending = %s, %v", m, ok)
			}
			b.dev.Reset()
			b.want(mcu.ROMBootloader)
			st := b.last()
			if st.Mode != stm32f4.Bootloader || st.Attempt != 1 || st.Dropped != stm32f4.DropNone {
				t.Fatalf("start-up %+v", st)
			}
			if st.ResetFlags != 0x14000000 { // SFTRSTF|PINRSTF
				t.Fatalf("reset flags 0x%08X, want SFTRSTF|PINRSTF", st.ResetFlags)
			}
			if got := b.chip.Stats(); got.ROMEntries != 1 || got.SystemResets != 1 {
				t.Fatalf("stats %+v", got)
			}
		})
	}
}

// TestOtherModesDoNotEnterROM: Normal, SafeMode and UF2 are reported to
// the application, once.
func TestOtherModesDoNotEnterROM(t *testing.T) {
	for _, s := range stores[:3] {
		for _, m := range []stm32f4.RunMode{stm32f4.Normal, stm32f4.SafeMode, stm32f4.UF2} {
			t.Run(s.name+"/"+m.String(), func(t *testing.T) {
				b := newBoard(t, boardOpts{store: s.store})
				if err := b.dev.OnNextReset(m); err != nil {
					t.Fatal(err)
				}
				b.dev.Reset()
				b.want(mcu.Application)
				if st := b.last(); st.Mode != m || st.Dropped != stm32f4.DropNone {
					t.Fatalf("start-up %+v, want mode %s", st, m)
				}
				if b.chip.Stats().ROMEntries != 0 {
					t.Fatal("ROM entered")
				}
				b.dev.Reset() // consumed: the next reset is normal
				if st := b.last(); st.Mode != stm32f4.Normal {
					t.Fatalf("second start-up %+v, want normal", st)
				}
			})
		}
	}
}

func TestRepeatedAndCancelledRequests(t *testing.T) {
	for _, s := range stores[:3] {
		t.Run(s.name, func(t *testing.T) {
			b := newBoard(t, boardOpts{store: s.store})
			// Asked twice: one request, one entry.
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.dev.Reset()
			b.want(mcu.ROMBootloader)
			if st := b.last(); st.Attempt != 1 {
				t.Fatalf("attempt %d, want 1", st.Attempt)
			}
			// A pin reset while in the ROM drops the request.
			b.chip.PinReset()
			b.want(mcu.Application)
			if st := b.last(); st.Mode != stm32f4.Normal || st.Dropped != stm32f4.DropNotSoftwareReset {
				t.Fatalf("start-up after pin reset %+v", st)
			}
			// Asked, then cancelled with Normal.
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.dev.OnNextReset(stm32f4.Normal)
			if _, ok := b.dev.Pending(); ok {
				t.Fatal("request still pending after Normal")
			}
			b.dev.Reset()
			b.want(mcu.Application)
			if b.chip.Stats().ROMEntries != 1 {
				t.Fatalf("ROM entries %d, want 1", b.chip.Stats().ROMEntries)
			}
		})
	}
}

// TestLeaveByJumpDoesNotReenter: the ROM's DfuSe leave jumps to the
// application with no reset; the request must not send it back.
func TestLeaveByJumpDoesNotReenter(t *testing.T) {
	for _, s := range stores[:3] {
		t.Run(s.name, func(t *testing.T) {
			b := newBoard(t, boardOpts{store: s.store})
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.dev.Reset()
			b.want(mcu.ROMBootloader)
			b.chip.SetMSP(b.chip.Read32(0x08000000))
			b.chip.Jump(b.chip.Read32(0x08000004))
			b.want(mcu.Application)
			if st := b.last(); st.Dropped != stm32f4.DropNotSoftwareReset {
				t.Fatalf("start-up after leave %+v", st)
			}
		})
	}
}

// TestLeaveByReset: the ROM resets the chip at the end of a session.
// With the RTC store the retry window tells it from a detection miss; the
// RAM store cannot tell and re-enters (bounded by MaxAttempts).
func TestLeaveByReset(t *testing.T) {
	for _, tc := range []struct {
		name        string
		store       stm32f4.Store
		session     time.Duration
		wantROM     bool
		wantDropped stm32f4.Drop
	}{
		{"backup, 3 s session", stm32f4.BackupRegister(0), 3 * time.Second, false, stm32f4.DropSessionOver},
		{"backup, 10 s session", stm32f4.BackupRegister(0), 10 * time.Second, false, stm32f4.DropStale},
		{"RAM, 3 s session (known limitation)", stm32f4.RAMWord(0x20010000), 3 * time.Second, true, stm32f4.DropNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(t, boardOpts{store: tc.store})
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.dev.Reset()
			b.want(mcu.ROMBootloader)
			b.chip.Advance(tc.session)
			b.chip.SystemReset()
			if got := b.chip.State().Running == mcu.ROMBootloader; got != tc.wantROM {
				t.Fatalf("in ROM after leave = %v, want %v (%s)", got, tc.wantROM, b.chip.State())
			}
			if st := b.last(); st.Dropped != tc.wantDropped {
				t.Fatalf("start-up %+v, want dropped %s", st, tc.wantDropped)
			}
		})
	}
}

// TestStaleRequest: a request older than 5 s (RTC) is dropped; Reset
// restamps, so the age counts from the reset.
func TestStaleRequest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wait     time.Duration
		viaReset bool
		want     mcu.Running
		dropped  stm32f4.Drop
	}{
		{"4 s old, software reset", 4 * time.Second, false, mcu.ROMBootloader, stm32f4.DropNone},
		{"6 s old, software reset", 6 * time.Second, false, mcu.Application, stm32f4.DropStale},
		{"6 s old, Reset restamps", 6 * time.Second, true, mcu.ROMBootloader, stm32f4.DropNone},
		{"1 h old", time.Hour, false, mcu.Application, stm32f4.DropStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(3)})
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.chip.Advance(tc.wait)
			if tc.viaReset {
				b.dev.Reset()
			} else {
				b.chip.SystemReset() // e.g. a watchdog-free software reset by other code
			}
			b.want(tc.want)
			if st := b.last(); st.Dropped != tc.dropped {
				t.Fatalf("start-up %+v, want dropped %s", st, tc.dropped)
			}
		})
	}
}

func TestStaleAcrossMidnight(t *testing.T) {
	b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0)})
	b.chip.Advance(12*time.Hour - 2*time.Second) // 23:59:58
	b.dev.OnNextReset(stm32f4.Bootloader)
	b.chip.Advance(3 * time.Second) // 00:00:01 next day
	b.chip.SystemReset()
	b.want(mcu.ROMBootloader)
	b.chip.PinReset() // back to the app, request dropped
	b.dev.OnNextReset(stm32f4.Bootloader)
	b.chip.Advance(7 * time.Second)
	b.chip.SystemReset()
	if st := b.last(); st.Dropped != stm32f4.DropStale {
		t.Fatalf("start-up %+v, want stale", st)
	}
}

// TestHSEMissRetry: every ROM start misses until attempts run out, then
// the application starts normally; with a 50% miss rate the retries get in.
func TestHSEMissRetry(t *testing.T) {
	for _, s := range stores[:3] {
		t.Run(s.name+"/always missed", func(t *testing.T) {
			b := newBoard(t, boardOpts{store: s.store, miss: 1, cfg: stm32f4.Config{MaxAttempts: 5}})
			b.dev.OnNextReset(stm32f4.Bootloader)
			b.dev.Reset()
			b.want(mcu.Application)
			st := b.chip.Stats()
			if st.ROMEntries != 5 || st.HSEMisses != 5 {
				t.Fatalf("stats %+v, want 5 ROM entries and 5 misses", st)
			}
			if got := b.last(); got.Mode != stm32f4.Normal || got.Dropped != stm32f4.DropAttempts {
				t.Fatalf("last start-up %+v, want attempts exhausted", got)
			}
			if _, ok := b.dev.Pending(); ok {
				t.Fatal("request still pending")
			}
		})
		t.Run(s.name+"/half missed", func(t *testing.T) {
			b := newBoard(t, boardOpts{store: s.store, miss: 0.5})
			for i := range 20 {
				b.dev.OnNextReset(stm32f4.Bootloader)
				b.dev.Reset()
				b.want(mcu.ROMBootloader)
				if a := b.last().Attempt; a < 1 {
					t.Fatalf("round %d: attempt %d", i, a)
				}
				b.chip.PinReset()
			}
			st := b.chip.Stats()
			if st.HSEMisses == 0 || st.ROMEntries != 20+st.HSEMisses {
				t.Fatalf("stats %+v: want some misses, each retried", st)
			}
		})
	}
}

// TestRetriesWithoutRTC: the backup store without a running RTC falls back
// to the attempt count.
func TestRetriesWithoutRTC(t *testing.T) {
	b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0), noRTC: true, miss: 1, cfg: stm32f4.Config{MaxAttempts: 3}})
	b.dev.OnNextReset(stm32f4.Bootloader)
	b.chip.Advance(time.Minute) // no clock: age unknown, not dropped
	b.dev.Reset()
	if st := b.chip.Stats(); st.ROMEntries != 3 {
		t.Fatalf("ROM entries %d, want 3", st.ROMEntries)
	}
	b.want(mcu.Application)
}

// TestPowerCycleDropsRequest: with VBAT the backup register survives a
// power cycle, but a power-on reset is not a software reset.
func TestPowerCycleDropsRequest(t *testing.T) {
	b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0), vbat: true})
	b.dev.OnNextReset(stm32f4.Bootloader)
	b.chip.PowerOff()
	b.chip.PowerOn()
	b.want(mcu.Application)
	if st := b.last(); st.Dropped != stm32f4.DropNotSoftwareReset || st.ResetFlags&0x08000000 == 0 {
		t.Fatalf("start-up %+v, want dropped after power-on (PORRSTF)", st)
	}
}

// TestDirectJump: the seed's method passes the ROM's checks from a
// running application, but a detection miss leaves it in the application.
func TestDirectJump(t *testing.T) {
	for _, tc := range []struct {
		miss float64
		want mcu.Running
	}{{0, mcu.ROMBootloader}, {1, mcu.Application}} {
		b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0), miss: tc.miss})
		b.dev.JumpToBootloaderDirect()
		b.want(tc.want)
		if st := b.chip.Stats(); st.ROMEntries != 1 {
			t.Fatalf("miss %v: ROM entries %d, want 1", tc.miss, st.ROMEntries)
		}
	}
	// From the same running application, with the AN2606 steps skipped,
	// the ROM hangs: the application state matters.
	b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0)})
	b.chip.SetMSP(b.chip.Read32(0x1FFF0000))
	b.chip.Jump(b.chip.Read32(0x1FFF0004))
	if s := b.chip.State(); s.Running != mcu.Hung || s.Fault != mcu.FaultPLLOn {
		t.Fatalf("bare jump: %s, want hung with pll-on", s)
	}
}

// TestEntryLeavesChipClean: after the reliable entry the peripheral clocks
// and the backup-domain protection are back at their reset values.
func TestEntryLeavesChipClean(t *testing.T) {
	b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0)})
	b.dev.OnNextReset(stm32f4.Bootloader)
	b.dev.Reset()
	b.want(mcu.ROMBootloader)
	for _, r := range []struct {
		name       string
		addr, want uint32
	}{
		{"RCC_CR", 0x40023800, 0x00006B83},
		{"RCC_CFGR", 0x40023808, 0},
		{"RCC_APB1ENR", 0x40023840, 0},
		{"RCC_APB2ENR", 0x40023844, 1 << 14},
		{"SYSCFG_MEMRMP", 0x40013800, 1},
		{"RCC_CSR flags cleared", 0x40023874, 0},
	} {
		if got := b.chip.Read32(r.addr); got != r.want {
			t.Errorf("%s = 0x%08X, want 0x%08X", r.name, got, r.want)
		}
	}
	if b.chip.MSP() != mcu.DefaultROMStack {
		t.Errorf("MSP 0x%08X", b.chip.MSP())
	}
}

// TestFamilyEntry: on each family's chip (the simulator's register map
// for it) the reliable entry, with the family's Config.Family, reaches the
// ROM at the family's system memory; the direct jump too. The same
// library with the F4's map does not: on an F7 it branches to the F4's
// system memory, where the F7 has no ROM; on H7 and L4 its first RCC
// access is a bus fault.
func TestFamilyEntry(t *testing.T) {
	for _, tc := range []struct {
		part   string
		chip   mcu.Family
		fw     *stm32f4.Family
		memrmp uint32 // SYSCFG_MEMRMP address, 0 where the family has none
		remap  bool
	}{
		{"STM32F722ZE", mcu.FamilyF7, stm32f4.F7, 0x40013800, false},
		{"STM32H743ZI", mcu.FamilyH7, stm32f4.H7, 0, false},
		{"STM32L476RG", mcu.FamilyL4, stm32f4.L4, 0x40010000, true},
	} {
		t.Run(tc.fw.Name, func(t *testing.T) {
			for _, store := range []stm32f4.Store{stm32f4.BackupRegister(29), stm32f4.RAMWord(0x2001FFF0)} {
				b := newBoard(t, boardOpts{store: store, family: tc.chip, cfg: stm32f4.Config{Family: tc.fw}})
				if err := b.dev.OnNextReset(stm32f4.Bootloader); err != nil {
					t.Fatal(err)
				}
				b.dev.Reset()
				b.want(mcu.ROMBootloader)
				if st := b.last(); st.Mode != stm32f4.Bootloader || st.Attempt != 1 {
					t.Fatalf("%s: start-up %+v", store, st)
				}
				if tc.memrmp != 0 {
					got := b.chip.Read32(tc.memrmp) & 7
					if want := map[bool]uint32{true: 1, false: 0}[tc.remap]; got != want {
						t.Fatalf("%s: SYSCFG_MEMRMP MEM_MODE %d, want %d", store, got, want)
					}
				}
				b.chip.PowerOff()
			}

			b := newBoard(t, boardOpts{store: stm32f4.BackupRegister(0), family: tc.chip, cfg: stm32f4.Config{Family: tc.fw}})
			b.dev.JumpToBootloaderDirect()
			b.want(mcu.ROMBootloader)
			b.chip.PowerOff()

			// The F4's map on this chip: an F7 shares it but has no ROM
			// at 0x1FFF0000; on H7 and L4 the F4's RCC_CSR read at
			// start-up already faults.
			b = powerOn(t, boardOpts{store: stm32f4.BackupRegister(0), family: tc.chip})
			if b.chip.State().Running == mcu.Application {
				if err := b.dev.OnNextReset(stm32f4.Bootloader); err != nil {
					t.Fatal(err)
				}
				b.dev.Reset()
			}
			s := b.chip.State()
			if s.Running != mcu.Hung || b.chip.Stats().ROMEntries != 0 {
				t.Fatalf("the F4's addresses on an %s: %s, %d ROM entries; want a hang and none", tc.fw.Name, s, b.chip.Stats().ROMEntries)
			}
			t.Logf("F4 map on %s: %s", tc.fw.Name, s)
		})
	}
}

// TestFamiliesMatchChipDatabase: each family's system memory and remap
// rule are the chip database's (part.Family.Entry), and the simulator's
// chip agrees on the system memory and the branch.
func TestFamiliesMatchChipDatabase(t *testing.T) {
	chips := map[string]mcu.Family{"STM32F4": mcu.FamilyF4, "STM32F2": mcu.FamilyF4, "STM32F7": mcu.FamilyF7, "STM32H7": mcu.FamilyH7, "STM32L4": mcu.FamilyL4}
	for _, name := range []string{"STM32F405RG", "STM32F207ZG", "STM32F722ZE", "STM32H743ZI", "STM32L476RG"} {
		c, _, ok := part.Lookup(name)
		if !ok {
			t.Fatalf("%s is not in the chip database", name)
		}
		f, ok := stm32f4.FamilyNamed(c.Family.Name)
		if !ok {
			t.Fatalf("%s: no Family named %s", name, c.Family.Name)
		}
		e := c.Family.Entry
		if f.SystemMemory != e.SystemMemory || f.Remap != e.Remap {
			t.Errorf("%s: Family %+v, chip database entry %+v", name, *f, e)
		}
		m := chips[f.Name]
		if m.SystemMemory() != f.SystemMemory || m.DirectBranch() == f.Remap {
			t.Errorf("%s: simulated %s has system memory 0x%08X, direct %v", name, m, m.SystemMemory(), m.DirectBranch())
		}
	}
	if _, ok := stm32f4.FamilyNamed("STM32G4"); ok {
		t.Error("FamilyNamed(STM32G4) found a map the package does not have")
	}
}

// TestNewRefusesBadFamilyStore: a store the family cannot hold and a
// Family the package did not make are refused, naming what to use.
func TestNewRefusesBadFamilyStore(t *testing.T) {
	c, err := mcu.New(mcu.Config{Family: mcu.FamilyH7})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  stm32f4.Config
		want string
	}{
		{stm32f4.Config{Store: stm32f4.BackupRegister(18)}, "STM32F4 has RTC_BKP0R..RTC_BKP19R: use 0..17"},
		{stm32f4.Config{Store: stm32f4.BackupRegister(30), Family: stm32f4.H7}, "use 0..29"},
		{stm32f4.Config{Store: stm32f4.RAMWord(0x24000000), Family: stm32f4.F4}, "STM32F4's RAM"},
		{stm32f4.Config{Store: stm32f4.RAMWord(0x10000000), Family: stm32f4.H7}, "STM32H7's RAM (0x20000000-0x2001FFFF, 0x24000000-0x2407FFFF"},
		{stm32f4.Config{Store: stm32f4.BackupRegister(0), Family: &stm32f4.Family{Name: "STM32H7"}}, "use one of the package's Family values"},
	} {
		if _, err := stm32f4.New(c, c, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v): %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := stm32f4.New(c, c, stm32f4.Config{Store: stm32f4.BackupRegister(29), Family: stm32f4.H7}); err != nil {
		t.Errorf("H7 with RTC_BKP29R: %v", err)
	}
	if _, err := stm32f4.New(c, c, stm32f4.Config{Store: stm32f4.RAMWord(0x24000000), Family: stm32f4.H7}); err != nil {
		t.Errorf("H7 with a word of AXI SRAM: %v", err)
	}
}
