package sim_test

import (
	"bytes"
	"strings"
	"testing"

	chipdb "github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim"
)

// f7Factory is the STM32F7 option block at its factory values (RM0410
// 3.4): RDP/USER 0x5500AAFF, nWRP 0x0000FFFF (0x2000DFFF with nDBANK
// cleared, dual bank), BOOT_ADD0 0xFF7F0080, BOOT_ADD1 0xFFBF0040; the
// reserved upper words 0xFF.
func f7Factory(dual bool) []byte {
	b := bytes.Repeat([]byte{0xFF}, 32)
	copy(b[0:], []byte{0xFF, 0xAA, 0x00, 0x55})
	copy(b[8:], []byte{0xFF, 0xFF, 0x00, 0x00})
	if dual {
		copy(b[8:], []byte{0xFF, 0xDF, 0x00, 0x20})
	}
	copy(b[16:], []byte{0x80, 0x00, 0x7F, 0xFF})
	copy(b[24:], []byte{0x40, 0x00, 0xBF, 0xFF})
	return b
}

// DualBankF767 registers, for the test, a NUCLEO-F767ZI whose chip is set
// to dual-bank mode (nDBANK = 0: two banks of 4x16K, 1x64K, 7x128K,
// RM0410 table 4) and returns its board name.
func dualBankF767(t *testing.T) string {
	t.Helper()
	var chip *chipdb.Chip
	for _, c := range chipdb.Chips() {
		if strings.HasPrefix(c.Name, "STM32F765/767/769/777/779xI (2 MB, dual bank)") {
			chip = c
		}
	}
	p := sim.PartOf("STM32F767ZI", chip, 0x2200, [12]byte{0x30, 0x00, 0x47, 0x00, 0x0b, 0x51, 0x37, 0x32, 0x36, 0x36, 0x35, 0x32})
	name := "test-f767zi-dualbank"
	sim.Boards[name] = &sim.BoardModel{Name: name, Part: p, HSEMHz: 8, Factory: "micropython"}
	t.Cleanup(func() { delete(sim.Boards, name) })
	return name
}

// The simulated STM32F7 ROM shows the 32-byte option block at 0x1FFF0000,
// programs what a host sends (values; the flash interface writes the
// complements, the reserved words stay), resets the chip after the write,
// and enforces RDP level 1 and the nWRP bits: one bit per sector in
// single-bank mode, one per pair of sectors in dual-bank mode.
func TestF7OptionBytes(t *testing.T) {
	for _, board := range []string{"nucleo-f722ze", "nucleo-f767zi", dualBankF767(t)} {
		t.Run(board, func(t *testing.T) {
			x := open(t, board+":dfu", sim.Options{})
			x.ready()
			p := x.b.Part()
			dual := p.Chip.Banks() > 1
			x.alt(1)
			if b, st := x.read(0x1FFF0000, 32); st != okStatus || !bytes.Equal(b, f7Factory(dual)) {
				t.Fatalf("factory option block: % x (status %d), want % x", b, st, f7Factory(dual))
			}
			x.alt(0)

			// Write-protect the last sector: its nWRP bit from the chip
			// database (dual bank: bit 11 for sectors 22 and 23).
			last := len(p.Sectors) - 1
			s := p.Sectors[last]
			blk := f7Factory(dual)
			blk[8+s.Bit/8] &^= 1 << (s.Bit % 8)
			blk[2], blk[3] = 0x12, 0x34 // wrong complement: the chip stores its own
			blk[5] = 0x00               // a reserved byte: kept as it was
			x.optionWrite(0, blk)
			x.reopen()
			x.ready()
			got := x.b.OptionBlock(0)
			want := f7Factory(dual)
			want[8+s.Bit/8] &^= 1 << (s.Bit % 8)
			want[10], want[11] = ^want[8], ^want[9]
			if !bytes.Equal(got, want) {
				t.Fatalf("stored % x, want % x", got, want)
			}
			protected := []int{last}
			if dual {
				if s.Bit != 11 || p.Sectors[last-1].Bit != 11 || p.Sectors[last-2].Bit != 10 {
					t.Fatalf("dual bank bits: sector %d bit %d, %d bit %d", last, s.Bit, last-1, p.Sectors[last-1].Bit)
				}
				protected = []int{last - 1, last}
			}
			for _, i := range protected {
				sec := p.Sectors[i]
				if err := x.b.WriteFlash(sec.Address, []byte{0x12}); err != nil {
					t.Fatal(err)
				}
				x.cmd(addrCmd(0x41, sec.Address)...)
				if x.b.Flash()[sec.Address-0x08000000] != 0x12 {
					t.Errorf("write-protected sector %d was erased", i)
				}
				if st := x.write(sec.Address+16, []byte{0}); st.state != stError || st.status != errWrite {
					t.Errorf("program of write-protected sector %d: %+v, want errWRITE", i, st)
				}
				x.clear()
			}
			free := p.Sectors[protected[0]-1]
			if st := x.write(free.Address, []byte{0}); st.state != stDnIdle {
				t.Errorf("program of the unprotected sector before them: %+v", st)
			}
			x.clear()

			// RDP level 1: flash unreadable, option bytes readable.
			blk = x.b.OptionBlock(0)
			blk[1] = 0xBB
			x.optionWrite(0, blk)
			x.reopen()
			x.ready()
			if x.b.RDPLevel() != 1 {
				t.Fatalf("level %d after RDP 0xBB", x.b.RDPLevel())
			}
			if _, st := x.read(0x08000000, 64); st != errVendor {
				t.Errorf("read under RDP 1: status %d, want errVENDOR", st)
			}
			x.alt(1)
			if b, st := x.read(0x1FFF0000, 32); st != okStatus || b[1] != 0xBB || b[3] != 0x44 {
				t.Errorf("option bytes under RDP 1: % x status %d", b, st)
			}
		})
	}
}
