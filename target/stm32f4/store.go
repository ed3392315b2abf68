package stm32f4

import "fmt"

// Store says where the run-mode request lives. It must survive a system
// reset: an RTC backup register (needs PWR_CR DBP to write; survives
// system resets, and power-off too when VBAT is powered) or a RAM word
// that start-up code does not clear (CircuitPython uses the word just past
// .bss; the linker script must keep it out of .bss and the stack).
type Store struct {
	backup bool
	index  int    // first backup register
	addr   uint32 // RAM word
}

// BackupRegister stores the request in RTC_BKPnR and, when the RTC runs,
// the request time in RTC_BKP(n+1)R and the time of the last ROM attempt
// in RTC_BKP(n+2)R: n may be 0..17 on an F2/F4 (20 backup registers),
// 0..29 on F7, H7 and L4 (32).
func BackupRegister(n int) Store { return Store{backup: true, index: n} }

// RAMWord stores the request in the RAM word at addr (4-byte aligned, in
// the family's RAM: on an F4 SRAM 0x20000000..0x2001FFFF or CCM RAM
// 0x10000000..0x1000FFFF; the linker script must keep it inside the
// part's own RAM and out of .data/.bss and the stack). There is
// no clock there: stale requests are bounded by the attempt count only, so
// a ROM that ends a DFU session with a reset (not a jump) is entered again,
// up to Config.MaxAttempts times; prefer BackupRegister where the RTC runs.
func RAMWord(addr uint32) Store { return Store{addr: addr} }

// String describes the store, e.g. "RTC_BKP0R" or "RAM 0x2001FFFC".
func (s Store) String() string {
	if s.backup {
		return fmt.Sprintf("RTC_BKP%dR", s.index)
	}
	return fmt.Sprintf("RAM 0x%08X", s.addr)
}

func (s Store) check(f *Family) error {
	if s.backup {
		if n := f.r.bkpN; s.index < 0 || s.index+2 >= n {
			return fmt.Errorf("stm32f4: backup register %d: need RTC_BKP%dR..RTC_BKP%dR, the %s has RTC_BKP0R..RTC_BKP%dR: use 0..%d", s.index, s.index, s.index+2, f.Name, n-1, n-3)
		}
		return nil
	}
	inRAM := false
	for _, r := range f.r.ram {
		inRAM = inRAM || s.addr >= r.start && s.addr+4 <= r.end && s.addr+4 > s.addr
	}
	if !inRAM || s.addr&3 != 0 {
		return fmt.Errorf("stm32f4: RAM word 0x%08X is not an aligned word in the %s's RAM (%s)", s.addr, f.Name, ramList(f))
	}
	return nil
}

func ramList(f *Family) string {
	s := ""
	for i, r := range f.r.ram {
		if i > 0 {
			s += ", "
		}
		s += r.String()
	}
	return s
}

// wordAddr is the request word's address on family f.
func (s Store) wordAddr(f *Family) uint32 {
	if s.backup {
		return f.r.rtc + rtcBKP0R + 4*uint32(s.index)
	}
	return s.addr
}

func (s Store) requestTimeAddr(f *Family) uint32 { return s.wordAddr(f) + 4 }
func (s Store) attemptTimeAddr(f *Family) uint32 { return s.wordAddr(f) + 8 }

// The request word: magic in bits 31:16, mode in 15:12, "time stamps
// valid" in bit 11, bits 10:8 zero, attempts made in 7:0. Random RAM after
// power-on passes this check with a chance of about 1 in 2^21, and is
// dropped anyway because the reset was not a software reset.
const (
	reqMagic      = 0x5DF0 << 16
	reqMagicMask  = 0xFFFF0000
	reqModeShift  = 12
	reqStamped    = 1 << 11
	reqReserved   = 7 << 8
	reqAttempts   = 0xFF
	maxAttemptCap = reqAttempts
)

type request struct {
	mode     RunMode
	stamped  bool
	attempts int
}

func (r request) encode() uint32 {
	w := uint32(reqMagic) | uint32(r.mode)<<reqModeShift | uint32(r.attempts)&reqAttempts
	if r.stamped {
		w |= reqStamped
	}
	return w
}

func decodeRequest(w uint32) (request, bool) {
	if w&reqMagicMask != reqMagic || w&reqReserved != 0 {
		return request{}, false
	}
	m := RunMode(w >> reqModeShift & 0xF)
	if !m.valid() {
		return request{}, false
	}
	return request{mode: m, stamped: w&reqStamped != 0, attempts: int(w & reqAttempts)}, true
}
