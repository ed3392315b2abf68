package mcu

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func newChip(t *testing.T, cfg Config) *Chip {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func running(t *testing.T, cfg Config) *Chip {
	t.Helper()
	c := newChip(t, cfg)
	if s := c.PowerOn(); s.Running != Application {
		t.Fatalf("PowerOn: %s, want application", s)
	}
	return c
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"probability over 1", Config{HSE: HSE{Hz: 1, MissProbability: 1.5}}, "not in [0,1]"},
		{"negative probability", Config{HSE: HSE{Hz: 1, MissProbability: -0.1}}, "not in [0,1]"},
		{"no rand", Config{HSE: HSE{Hz: 1, MissProbability: 0.5}}, "needs Config.Rand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// TestPowerOnResetValues checks RM0090/PM0214 reset values as seen through
// the bus.
func TestPowerOnResetValues(t *testing.T) {
	c := running(t, Config{HSE: HSE{Hz: 12_000_000}})
	for _, tc := range []struct {
		name string
		addr uint32
		want uint32
	}{
		{"RCC_CR", 0x40023800, 0x00006B83},
		{"RCC_PLLCFGR", 0x40023804, 0x24003010},
		{"RCC_CFGR", 0x40023808, 0},
		{"RCC_CIR", 0x4002380C, 0},
		{"RCC_AHB1ENR", 0x40023830, 0x00100000},
		{"RCC_AHB2ENR", 0x40023834, 0},
		{"RCC_APB1ENR", 0x40023840, 0},
		{"RCC_APB2ENR", 0x40023844, 0},
		{"RCC_BDCR", 0x40023870, 0},
		{"RCC_CSR", 0x40023874, 0x0E000000},
		{"SYSCFG_MEMRMP", 0x40013800, 0},
		{"STK_CTRL", 0xE000E010, 0},
		{"NVIC_ISER0", 0xE000E100, 0},
		{"NVIC_ISPR2", 0xE000E208, 0},
		{"SCB_VTOR", 0xE000ED08, 0},
		{"SCB_AIRCR", 0xE000ED0C, 0xFA050000},
		{"RTC_ISR", 0x4000280C, 0x00000007},
		{"RTC_PRER", 0x40002810, 0x007F00FF},
		{"RTC_BKP0R", 0x40002850, 0},
		{"RTC_BKP19R", 0x4000289C, 0},
		{"system memory word 0", 0x1FFF0000, DefaultROMStack},
		{"system memory word 1", 0x1FFF0004, DefaultROMEntry},
		{"boot alias word 0 (main flash)", 0x00000000, 0x20020000},
		{"OTG_FS without clock", 0x50000008, 0},
	} {
		if got := c.Read32(tc.addr); got != tc.want {
			t.Errorf("%s (0x%08X) = 0x%08X, want 0x%08X", tc.name, tc.addr, got, tc.want)
		}
	}
	c.Write32(rccAHB2ENR, ahb2OTGFS)
	c.Write32(rccAPB1ENR, apb1PWREN)
	for _, tc := range []struct {
		name string
		addr uint32
		want uint32
	}{
		{"OTG_FS_GUSBCFG", 0x5000000C, 0x00000A00},
		{"OTG_FS_GRSTCTL", 0x50000010, 0x80000000},
		{"OTG_FS_DCFG", 0x50000800, 0x02200000},
		{"PWR_CR", 0x40007000, 0x00004000},
	} {
		if got := c.Read32(tc.addr); got != tc.want {
			t.Errorf("%s (0x%08X) = 0x%08X, want 0x%08X", tc.name, tc.addr, got, tc.want)
		}
	}
	if s := c.State(); s.Running != Application {
		t.Fatalf("state after reads: %s", s)
	}
}

// TestResetSurvival checks what survives each kind of reset.
func TestResetSurvival(t *testing.T) {
	const ramAddr, ccmAddr = 0x2001FFF0, 0x1000FFF0
	for _, tc := range []struct {
		name      string
		vbat      bool
		reset     func(c *Chip) State
		ram, bkp  bool
		wantFlags uint32
	}{
		{"system reset", false, (*Chip).SystemReset, true, true, csrSFTRSTF | csrPINRSTF},
		{"pin reset", false, (*Chip).PinReset, true, true, csrPINRSTF},
		{"power cycle", false, func(c *Chip) State { c.PowerOff(); return c.PowerOn() }, false, false, csrPORRSTF | csrPINRSTF | csrBORRSTF},
		{"power cycle with VBAT", true, func(c *Chip) State { c.PowerOff(); return c.PowerOn() }, false, true, csrPORRSTF | csrPINRSTF | csrBORRSTF},
		{"AIRCR SYSRESETREQ", false, func(c *Chip) State {
			c.Write32(scbAIRCR, 0x05FA0004)
			c.WaitForReset()
			return c.State()
		}, true, true, csrSFTRSTF | csrPINRSTF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := running(t, Config{HSE: HSE{Hz: 12_000_000}, VBAT: tc.vbat})
			c.Write32(rccCSR, csrRMVF)
			c.Write32(ramAddr, 0xCAFEF00D)
			c.Write32(ccmAddr, 0x12345678)
			c.Write32(rccAPB1ENR, apb1PWREN)
			c.Write32(pwrCR, pwrCRDBP|pwrCRReset)
			c.Write32(rtcBKP0R+4*19, 0xB00710AD)
			c.Write32(rccAPB2ENR, apb2SYSCFGEN)
			c.Write32(nvicISER, 1)
			c.Write32(stkCTRL, 1)
			if s := tc.reset(c); s.Running != Application {
				t.Fatalf("after reset: %s", s)
			}
			if got := c.Read32(ramAddr) == 0xCAFEF00D && c.Read32(ccmAddr) == 0x12345678; got != tc.ram {
				t.Errorf("RAM kept = %v, want %v (read 0x%08X)", got, tc.ram, c.Read32(ramAddr))
			}
			if got := c.Read32(rtcBKP0R+4*19) == 0xB00710AD; got != tc.bkp {
				t.Errorf("RTC_BKP19R kept = %v, want %v", got, tc.bkp)
			}
			if got := c.Read32(rccCSR) & csrFlags; got != tc.wantFlags {
				t.Errorf("RCC_CSR flags = 0x%08X, want 0x%08X", got, tc.wantFlags)
			}
			for _, r := range []struct {
				addr, want uint32
			}{{rccAPB1ENR, 0}, {rccAPB2ENR, 0}, {nvicISER, 0}, {stkCTRL, 0}, {rccCR, crReset}} {
				if got := c.Read32(r.addr); got != r.want {
					t.Errorf("0x%08X = 0x%08X after reset, want 0x%08X", r.addr, got, r.want)
				}
			}
		})
	}
}

func TestRAMGarbageAfterPowerOn(t *testing.T) {
	c := running(t, Config{})
	a := c.Read32(0x20001000)
	c.PowerOff()
	c.PowerOn()
	if b := c.Read32(0x20001000); a == b {
		t.Fatalf("unwritten RAM reads 0x%08X before and after a power cycle; want garbage that changes", a)
	}
}

// cleanForROM puts a running chip in the state the ROM wants: system
// flash mapped at 0 and MSP = ROM stack. Everything else is at reset.
func cleanForROM(c *Chip) {
	c.Write32(rccAPB2ENR, apb2SYSCFGEN)
	c.Write32(syscfgMEMRMP, memModeSystemFlash)
	c.SetMSP(c.cfg.ROMStack)
}

// TestROMEntryPreconditions violates each AN2606 precondition alone.
func TestROMEntryPreconditions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		violate func(c *Chip)
		pc      uint32
		want    Fault
	}{
		{"all met", func(c *Chip) {}, 0, FaultNone},
		{"all met, jump via the alias at 0", func(c *Chip) {}, DefaultROMEntry - sysMemBase, FaultNone},
		{"PLL on", func(c *Chip) { c.Write32(rccCR, c.Read32(rccCR)|crPLLON) }, 0, FaultPLLOn},
		{"SYSCLK from HSE", func(c *Chip) {
			c.Write32(rccCR, c.Read32(rccCR)|crHSEON)
			c.Write32(rccCFGR, swHSE)
		}, 0, FaultSysclkNotHSI},
		{"HSE on", func(c *Chip) { c.Write32(rccCR, c.Read32(rccCR)|crHSEON) }, 0, FaultHSEOn},
		{"clock interrupt enabled", func(c *Chip) { c.Write32(rccCIR, 1<<12) }, 0, FaultClockInterrupts},
		{"SysTick running", func(c *Chip) { c.Write32(stkLOAD, 15999); c.Write32(stkCTRL, 7) }, 0, FaultSysTickRunning},
		{"IRQ enabled", func(c *Chip) { c.Write32(nvicISER+8, 1<<(irqOTGFS-64)) }, 0, FaultIRQEnabled},
		{"IRQ pending", func(c *Chip) { c.Write32(nvicISPR, 1<<irqTIM2) }, 0, FaultIRQPending},
		{"PRIMASK set", func(c *Chip) { c.DisableInterrupts() }, 0, FaultInterruptsMasked},
		{"USB core configured", func(c *Chip) {
			c.Write32(rccAHB2ENR, ahb2OTGFS)
			c.Write32(otgGCCFG, gccfgPWRDWN)
			c.Write32(rccAHB2ENR, 0) // clock off does not reset the core
		}, 0, FaultUSBNotReset},
		{"USB core soft reset only", func(c *Chip) {
			c.Write32(rccAHB2ENR, ahb2OTGFS)
			c.Write32(otgGAHBCFG, 1)
			c.Write32(otgGRSTCTL, grstCSRST)
		}, 0, FaultUSBNotReset},
		{"MSP is the application's", func(c *Chip) { c.SetMSP(0x20020000) }, 0, FaultStack},
		{"main flash still mapped", func(c *Chip) { c.Write32(syscfgMEMRMP, memModeMainFlash) }, 0, FaultNotRemapped},
		{"Thumb bit clear", func(c *Chip) {}, DefaultROMEntry &^ 1, FaultNotThumb},
		{"jump into nothing", func(c *Chip) {}, 0x30000001, FaultBadJump},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := running(t, Config{HSE: HSE{Hz: 12_000_000}})
			cleanForROM(c)
			tc.violate(c)
			pc := tc.pc
			if pc == 0 {
				pc = c.Read32(0x1FFF0004)
			}
			c.Jump(pc)
			s := c.State()
			if tc.want == FaultNone {
				if s.Running != ROMBootloader {
					t.Fatalf("state %s, want rom-bootloader", s)
				}
				return
			}
			if s.Running != Hung || s.Fault != tc.want {
				t.Fatalf("state %s, want hung with %s", s, tc.want)
			}
			if s.Detail == "" {
				t.Fatal("no detail")
			}
		})
	}
}

func TestRCCRules(t *testing.T) {
	c := running(t, Config{HSE: HSE{Hz: 12_000_000}})
	// PLL from HSE as SYSCLK.
	c.Write32(rccCR, c.Read32(rccCR)|crHSEON)
	c.Write32(rccPLLCFGR, 7<<24|pllcfgrSrcHSE|336<<6|12)
	c.Write32(rccCR, c.Read32(rccCR)|crPLLON)
	c.Write32(rccCFGR, swPLL)
	if got := c.Read32(rccCFGR) & cfgrSWSMask; got != swPLL<<2 {
		t.Fatalf("SWS = %d, want PLL", got>>2)
	}
	// PLL and its HSE source cannot stop while they feed SYSCLK.
	c.Write32(rccCR, c.Read32(rccCR)&^(crPLLON|crHSEON))
	if got := c.Read32(rccCR); got&crPLLON == 0 || got&crHSEON == 0 {
		t.Fatalf("RCC_CR = 0x%08X: PLL/HSE stopped while feeding SYSCLK", got)
	}
	// PLLCFGR is frozen while the PLL runs.
	c.Write32(rccPLLCFGR, pllcfgrReset)
	if got := c.Read32(rccPLLCFGR); got == pllcfgrReset {
		t.Fatal("PLLCFGR written while the PLL runs")
	}
	// Switching to HSI first makes it possible.
	c.Write32(rccCFGR, swHSI)
	c.Write32(rccCR, c.Read32(rccCR)&^(crPLLON|crHSEON))
	if got := c.Read32(rccCR); got&(crPLLON|crPLLRDY|crHSEON|crHSERDY) != 0 {
		t.Fatalf("RCC_CR = 0x%08X after switching to HSI and stopping PLL/HSE", got)
	}
	// HSI cannot stop while it is SYSCLK.
	c.Write32(rccCR, 0)
	if c.Read32(rccCR)&crHSION == 0 {
		t.Fatal("HSI stopped while it is SYSCLK")
	}
	// No crystal: HSE never ready, the switch to it does not happen.
	c2 := running(t, Config{})
	c2.Write32(rccCR, c2.Read32(rccCR)|crHSEON)
	c2.Write32(rccCFGR, swHSE)
	if c2.Read32(rccCR)&crHSERDY != 0 || c2.Read32(rccCFGR)&cfgrSWSMask != 0 {
		t.Fatal("HSE became ready on a board without a crystal")
	}
}

func TestWriteProtections(t *testing.T) {
	c := running(t, Config{})
	// AIRCR without VECTKEY is ignored.
	c.Write32(scbAIRCR, aircrSYSRESETREQ)
	c.WaitForReset()
	if c.Stats().SystemResets != 0 {
		t.Fatal("AIRCR write without VECTKEY reset the chip")
	}
	// Backup registers need PWR_CR DBP, which needs the PWR clock.
	c.Write32(pwrCR, pwrCRDBP)
	c.Write32(rtcBKP0R, 1)
	if c.Read32(rtcBKP0R) != 0 {
		t.Fatal("backup register written without DBP")
	}
	c.Write32(rccAPB1ENR, apb1PWREN)
	c.Write32(pwrCR, pwrCRDBP)
	c.Write32(rtcBKP0R, 1)
	if c.Read32(rtcBKP0R) != 1 {
		t.Fatal("backup register not written with DBP")
	}
	// SYSCFG needs its clock.
	c.Write32(syscfgMEMRMP, memModeSystemFlash)
	if c.Read32(syscfgMEMRMP) != 0 {
		t.Fatal("MEMRMP written without the SYSCFG clock")
	}
	// RTC_ISR needs the RTC_WPR key.
	c.Write32(rtcPRER, 0)
	if c.Read32(rtcPRER) != rtcPRERReset {
		t.Fatal("RTC_PRER written without the WPR key")
	}
	c.Write32(rtcWPR, 0xCA)
	c.Write32(rtcWPR, 0x53)
	c.Write32(rtcPRER, 0x007F0100)
	if c.Read32(rtcPRER) != 0x007F0100 {
		t.Fatal("RTC_PRER not written with the WPR key")
	}
	// OTG_FS held in reset ignores writes.
	c.Write32(rccAHB2ENR, ahb2OTGFS)
	c.Write32(rccAHB2RSTR, ahb2OTGFS)
	c.Write32(otgGAHBCFG, 1)
	c.Write32(rccAHB2RSTR, 0)
	if c.Read32(otgGAHBCFG) != 0 {
		t.Fatal("OTG_FS written while held in reset")
	}
}

func TestBusFault(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   func(c *Chip)
	}{
		{"read TIM2 (not modelled)", func(c *Chip) { c.Read32(0x40000000) }},
		{"write flash", func(c *Chip) { c.Write32(0x08000000, 0) }},
		{"unaligned", func(c *Chip) { c.Read32(0x20000002) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := running(t, Config{})
			tc.op(c)
			if s := c.State(); s.Running != Hung || s.Fault != FaultBusFault {
				t.Fatalf("state %s, want bus fault", s)
			}
		})
	}
}

func TestBootFromErasedFlash(t *testing.T) {
	c := newChip(t, Config{Flash: func(uint32) uint32 { return 0xFFFFFFFF }})
	if s := c.PowerOn(); s.Running != Hung || s.Fault != FaultNoApplication {
		t.Fatalf("state %s, want no-application", s)
	}
}

func TestBOOT0AndHSEDetection(t *testing.T) {
	for _, tc := range []struct {
		name string
		hse  HSE
		want State
	}{
		{"crystal found", HSE{Hz: 8_000_000}, State{Running: ROMBootloader}},
		{"no crystal: ROM resets forever", HSE{}, State{Running: Hung, Fault: FaultResetLoop}},
		{"always missed", HSE{Hz: 12_000_000, MissProbability: 1}, State{Running: Hung, Fault: FaultResetLoop}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChip(t, Config{HSE: tc.hse, Rand: rand.New(rand.NewPCG(1, 2)), MaxSteps: 50})
			c.SetBOOT0(true)
			s := c.PowerOn()
			if s.Running != tc.want.Running || s.Fault != tc.want.Fault {
				t.Fatalf("state %s, want %s", s, tc.want)
			}
		})
	}
}

// TestHSEMissRate checks the seeded miss model against its probability.
func TestHSEMissRate(t *testing.T) {
	// A Feather F405-like crystal: 12 MHz, old ROM, 7 misses in 12.
	hse := HSE{Hz: 12_000_000, DetectTimeout: 790 * time.Microsecond, MissProbability: 7.0 / 12}
	c := newChip(t, Config{HSE: hse, Rand: rand.New(rand.NewPCG(7, 7))})
	c.PowerOn()
	misses := 0
	const n = 12000
	for range n {
		if c.hseMiss() {
			misses++
		}
	}
	if misses < 6800 || misses > 7200 { // 7000 expected, sd ~54
		t.Fatalf("%d misses in %d, want about %d", misses, n, 7000)
	}
}

func TestAppStartHookAndJumpToApp(t *testing.T) {
	var causes []StartCause
	c := newChip(t, Config{HSE: HSE{Hz: 8_000_000}, Hooks: Hooks{
		AppStart: func(c *Chip, cause StartCause) { causes = append(causes, cause) },
	}})
	c.SetBOOT0(true)
	if s := c.PowerOn(); s.Running != ROMBootloader {
		t.Fatalf("state %s", s)
	}
	// DfuSe leave: the ROM loads MSP and jumps to the reset handler.
	c.SetMSP(c.Read32(0x08000000))
	c.Jump(c.Read32(0x08000004))
	if s := c.State(); s.Running != Application {
		t.Fatalf("state %s after leave", s)
	}
	if len(causes) != 1 || causes[0] != StartJump {
		t.Fatalf("AppStart causes %v, want [jump]", causes)
	}
}

func TestInitApplicationBlocksROM(t *testing.T) {
	c := running(t, Config{HSE: HSE{Hz: 12_000_000}})
	if err := c.InitApplication(TypicalApp()); err != nil {
		t.Fatal(err)
	}
	if got := c.Read32(rccCFGR) & cfgrSWSMask; got != swPLL<<2 {
		t.Fatalf("SYSCLK not PLL: SWS=%d", got>>2)
	}
	if !c.rtcRunning() || c.RTCTime().Year() != 2026 {
		t.Fatalf("RTC not running from the profile: %v", c.RTCTime())
	}
	cleanForROM(c)
	err := c.ROMEntryCheck()
	e, ok := err.(*EntryError)
	if !ok || e.Fault != FaultPLLOn {
		t.Fatalf("ROMEntryCheck on a running application: %v, want pll-on", err)
	}
	c.Advance(1500 * time.Millisecond)
	if got := c.RTCTime(); got != time.Date(2026, 3, 1, 12, 0, 1, 5e8, time.UTC) {
		t.Fatalf("RTC after 1.5 s: %v", got)
	}
}

func TestRTCShadowSync(t *testing.T) {
	c := running(t, Config{HSE: HSE{Hz: 12_000_000}})
	if err := c.InitApplication(TypicalApp()); err != nil {
		t.Fatal(err)
	}
	c.Advance(3*time.Hour + 25*time.Minute + 7*time.Second + 250*time.Millisecond)
	c.SystemReset()
	if got := c.Read32(rtcTR); got != 0 {
		t.Fatalf("RTC_TR before RSF = 0x%06X, want 0 (shadow not synchronised)", got)
	}
	if c.Read32(rtcISR)&rtcISRRSF == 0 {
		t.Fatal("RSF not set on a running RTC")
	}
	if got := c.Read32(rtcTR); got != 0x152507 {
		t.Fatalf("RTC_TR = 0x%06X, want 0x152507", got)
	}
	if got := c.Read32(rtcSSR); got != 255-64 {
		t.Fatalf("RTC_SSR = %d, want %d", got, 255-64)
	}
	if got := c.Read32(rtcDR); got != 0x260301|7<<13 { // 2026-03-01 is a Sunday
		t.Fatalf("RTC_DR = 0x%06X", got)
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Application.String(), "application"},
		{ROMBootloader.String(), "rom-bootloader"},
		{Running(9).String(), "Running(9)"},
		{FaultUSBNotReset.String(), "usb-not-reset"},
		{Fault(200).String(), "Fault(200)"},
		{State{Running: Hung, Fault: FaultPLLOn, Detail: "x"}.String(), "hung: pll-on: x"},
		{StartJump.String(), "jump"},
		{(&EntryError{Fault: FaultStack, Detail: "d"}).Error(), "ROM entry: msp-not-rom-stack: d"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for f := FaultNone; f <= FaultResetLoop; f++ {
		if strings.HasPrefix(f.String(), "Fault(") {
			t.Errorf("fault %d has no name", f)
		}
	}
}

func TestResetHook(t *testing.T) {
	var got []string
	c := newChip(t, Config{
		HSE:  HSE{Hz: 12_000_000, MissProbability: 1},
		Rand: rand.New(rand.NewPCG(1, 1)),
		Hooks: Hooks{
			Reset:    func(c *Chip, r ResetCause) { got = append(got, r.String()) },
			AppStart: func(c *Chip, s StartCause) { got = append(got, "app") },
			Stopped:  func(c *Chip, s State) { got = append(got, s.Running.String()) },
		},
	})
	c.PowerOn()
	c.SystemReset()
	c.PinReset()
	// A ROM that misses the crystal resets the chip: a software reset.
	cleanForROM(c)
	c.Jump(DefaultROMEntry)
	c.PowerOff()
	want := "power-on app software app pin app software app off"
	if s := strings.Join(got, " "); s != want {
		t.Fatalf("hook calls %q, want %q", s, want)
	}
	if s := c.Stats(); s != (Stats{PowerOns: 1, SystemResets: 3, AppStarts: 4, ROMEntries: 1, HSEMisses: 1}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestWatchdog(t *testing.T) {
	for _, tc := range []struct {
		name      string
		enter     func(c *Chip)
		wait      time.Duration
		want      Running
		wantReset bool
	}{
		{"application feeds it", func(c *Chip) {}, time.Minute, Application, false},
		{"ROM does not: reset after the timeout", func(c *Chip) {
			c.Write32(rccCFGR, swHSI)
			c.Write32(rccCR, crHSION)
			c.Write32(stkCTRL, 0)
			for i := range uint32(8) {
				c.Write32(nvicICER+4*i, 0xFFFFFFFF)
				c.Write32(nvicICPR+4*i, 0xFFFFFFFF)
			}
			c.Write32(rccAHB2RSTR, ahb2OTGFS)
			c.Write32(rccAHB2RSTR, 0)
			cleanForROM(c)
			c.Jump(DefaultROMEntry)
			if s := c.State(); s.Running != ROMBootloader {
				t.Fatalf("not in ROM: %s", s)
			}
		}, 3 * time.Second, Application, true},
		{"ROM, before the timeout", func(c *Chip) {
			c.Write32(rccCFGR, swHSI)
			c.Write32(rccCR, crHSION)
			c.Write32(stkCTRL, 0)
			for i := range uint32(8) {
				c.Write32(nvicICER+4*i, 0xFFFFFFFF)
				c.Write32(nvicICPR+4*i, 0xFFFFFFFF)
			}
			c.Write32(rccAHB2RSTR, ahb2OTGFS)
			c.Write32(rccAHB2RSTR, 0)
			cleanForROM(c)
			c.Jump(DefaultROMEntry)
		}, 1900 * time.Millisecond, ROMBootloader, false},
		{"a system reset stops it", func(c *Chip) { c.SystemReset() }, time.Minute, Application, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := running(t, Config{HSE: HSE{Hz: 12_000_000}})
			p := TypicalApp()
			p.Watchdog = 2 * time.Second
			if err := c.InitApplication(p); err != nil {
				t.Fatal(err)
			}
			if got := c.wdg.timeout(); got != 2*time.Second {
				t.Fatalf("watchdog timeout %v, want 2s", got)
			}
			c.Write32(rccCSR, csrRMVF)
			tc.enter(c)
			c.Advance(tc.wait)
			if s := c.State(); s.Running != tc.want {
				t.Fatalf("state %s, want %s", s, tc.want)
			}
			if tc.name == "a system reset stops it" && c.WatchdogRunning() {
				t.Fatal("watchdog survived a system reset")
			}
			if got := c.Read32(rccCSR)&csrIWDGRSTF != 0; got != tc.wantReset {
				t.Fatalf("IWDGRSTF = %v, want %v", got, tc.wantReset)
			}
		})
	}
}
