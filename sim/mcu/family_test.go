package mcu

import (
	"strings"
	"testing"
)

// TestFamilyMaps: each family's registers read their reset values at its
// own addresses, the F4's addresses of the same registers are bus faults
// there, and a write through the family's map reaches the model (H7 RCC_CR
// HSEON, L4 SYSCFG_MEMRMP).
func TestFamilyMaps(t *testing.T) {
	for _, tc := range []struct {
		f          Family
		cr, crWant uint32
		f4Fault    uint32
	}{
		{FamilyH7, 0x58024400, 0x00000025, 0x40023800},
		{FamilyL4, 0x40021000, 0x00000063, 0x40023800},
		{FamilyH7, 0x58024400, 0x00000025, 0x40007000}, // F4 PWR_CR
		{FamilyH7, 0x58024400, 0x00000025, 0x40002850}, // F4 RTC_BKP0R
		{FamilyH7, 0x58024400, 0x00000025, 0x40013800}, // F4 SYSCFG_MEMRMP
		{FamilyL4, 0x40021000, 0x00000063, 0x40013800},
	} {
		c, err := New(Config{Family: tc.f, HSE: HSE{Hz: 8_000_000}})
		if err != nil {
			t.Fatal(err)
		}
		c.PowerOn()
		if got := c.Read32(tc.cr) & 0xFFFF; got != tc.crWant {
			t.Errorf("%s RCC_CR at 0x%08X = 0x%08X, want 0x%08X", tc.f, tc.cr, got, tc.crWant)
		}
		c.Write32(tc.cr, c.Read32(tc.cr)|1<<16)
		if got := c.Read32(tc.cr); got&(1<<17) == 0 {
			t.Errorf("%s: HSEON written, RCC_CR 0x%08X has no HSERDY", tc.f, got)
		}
		if c.regs[rccCR]&crHSEON == 0 {
			t.Errorf("%s: HSEON did not reach the model", tc.f)
		}
		_ = c.Read32(tc.f4Fault)
		if s := c.State(); s.Fault != FaultBusFault || !strings.Contains(s.Detail, tc.f.String()) {
			t.Errorf("%s: read of the F4's 0x%08X: %s, want a bus fault naming the family", tc.f, tc.f4Fault, s)
		}
	}

	c, _ := New(Config{Family: FamilyL4})
	c.PowerOn()
	c.Write32(0x40010000, 1) // SYSCFG clock off: ignored
	if m := c.regs[syscfgMEMRMP]; m != 0 {
		t.Fatalf("MEMRMP written without SYSCFGEN: %d", m)
	}
	c.Write32(0x40021060, 1) // RCC_APB2ENR SYSCFGEN
	c.Write32(0x40010000, 1)
	if m := c.Read32(0x40010000); m != 1 || c.regs[syscfgMEMRMP] != 1 {
		t.Fatalf("L4 MEMRMP %d, model %d; want system flash", m, c.regs[syscfgMEMRMP])
	}
	// Power-on flags: L4 BORRSTF|PINRSTF; H7 PORRSTF|PINRSTF|BORRSTF|D1|D2.
	if f := c.Read32(0x40021094) & 0xFF000000; f != 1<<27|1<<26 {
		t.Errorf("L4 RCC_CSR flags after power-on 0x%08X", f)
	}
	h, _ := New(Config{Family: FamilyH7})
	h.PowerOn()
	if f := h.Read32(0x580244D0) & 0xFFFE0000; f != 1<<23|1<<22|1<<21|1<<20|1<<19 {
		t.Errorf("H7 RCC_RSR flags after power-on 0x%08X", f)
	}
	// H7: no PWR clock enable; DBP opens the backup domain directly.
	h.Write32(0x58024800, h.Read32(0x58024800)|1<<8)
	h.Write32(0x5800407C, 0xABCD) // RTC_BKP11R
	if v := h.Read32(0x5800407C); v != 0xABCD {
		t.Errorf("H7 RTC_BKP11R = 0x%X after a write with DBP set", v)
	}
	h.Write32(0x580244D0, 1<<16) // RMVF
	if f := h.Read32(0x580244D0); f != 0 {
		t.Errorf("H7 RCC_RSR after RMVF 0x%08X", f)
	}
	if _, err := New(Config{Family: FamilyL4 + 1}); err == nil {
		t.Error("New accepted an unknown family")
	}
}
