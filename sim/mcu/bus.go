package mcu

import (
	"fmt"
	"hash/fnv"
)

// Read32 reads the 32-bit word at addr (a register or memory). Reading an
// address the model does not map hangs the CPU with FaultBusFault and
// returns 0; so does an unaligned address. After a reset or jump has been
// requested and before it happened, reads return 0 (the code issuing them
// would never run on silicon).
//
// On a family with its own register map (Config.Family) addr is the
// family's address: see Family.
func (c *Chip) Read32(addr uint32) uint32 {
	if c.stopped() {
		return 0
	}
	canon, x, ok := c.fmap.resolve(addr)
	switch {
	case !ok:
		c.busFault("read", addr, "no such register on the "+c.cfg.Family.String())
		return 0
	case x == nil:
		return c.read(canon)
	case x.canon == 0:
		return x.outValue(0, c.regs[addr])
	}
	return x.outValue(c.read(canon), c.regs[addr])
}

// stopped: the CPU executes nothing now (a reset or jump is pending, or
// it is off or hung), so accesses do nothing.
func (c *Chip) stopped() bool {
	return c.pending.kind != actNone || c.state.Running == Off || c.state.Running == Hung
}

// r32 and w32 access the model's (the F4's) registers whatever the
// family: the application set-up (InitApplication) uses them.
func (c *Chip) r32(addr uint32) uint32 {
	if c.stopped() {
		return 0
	}
	return c.read(addr)
}

func (c *Chip) w32(addr, v uint32) {
	if !c.stopped() {
		c.write(addr, v)
	}
}

// read reads a register of the model's (F4) map.
func (c *Chip) read(addr uint32) uint32 {
	if addr&3 != 0 {
		c.busFault("read", addr, "unaligned word access")
		return 0
	}
	switch {
	case addr < aliasSize:
		switch c.regs[syscfgMEMRMP] & memModeMask {
		case memModeMainFlash:
			return c.flashWord(flashBase + addr)
		case memModeSystemFlash:
			return c.sysMemWord(c.cfg.SystemMemory + addr)
		case memModeSRAM:
			if addr < sramSize {
				return c.ramWord(sramBase + addr)
			}
		}
	case addr >= flashBase && addr < flashBase+flashSize:
		return c.flashWord(addr)
	case addr >= c.cfg.SystemMemory && addr < c.cfg.SystemMemory+sysMemSize:
		return c.sysMemWord(addr)
	case addr >= sramBase && addr < sramBase+sramSize, addr >= ccmBase && addr < ccmBase+ccmSize:
		return c.ramWord(addr)
	case addr >= otgBase && addr < otgBase+0x1000:
		if c.regs[rccAHB2ENR]&ahb2OTGFS == 0 {
			return 0 // no clock: the core does not answer
		}
		return c.regs[addr]
	case addr >= rtcTR && addr < rtcBKP0R+4*uint32(c.bkpN):
		if v, ok := c.readRTC(addr); ok {
			return v
		}
	case addr == rccCSR:
		return c.csr
	case addr == rccBDCR:
		return c.bdcr
	case addr == pwrCR || addr == pwrCSR:
		if !c.pwrClocked() {
			return 0
		}
		return c.regs[addr]
	case addr == syscfgMEMRMP:
		return c.regs[addr] // readable without the clock in the model
	case addr >= iwdgKR && addr <= iwdgSR:
		return c.readIWDG(addr)
	case addr >= nvicISER && addr < nvicISER+32:
		return c.nvicEnable[(addr-nvicISER)/4]
	case addr >= nvicICER && addr < nvicICER+32:
		return c.nvicEnable[(addr-nvicICER)/4]
	case addr >= nvicISPR && addr < nvicISPR+32:
		return c.nvicPend[(addr-nvicISPR)/4]
	case addr >= nvicICPR && addr < nvicICPR+32:
		return c.nvicPend[(addr-nvicICPR)/4]
	case addr == scbAIRCR:
		return aircrVECTKEYSTAT | c.regs[addr]&aircrPRIGROUPMask
	default:
		if v, ok := c.regs[addr]; ok {
			return v
		}
	}
	c.busFault("read", addr, "not modelled")
	return 0
}

// Write32 writes the 32-bit word at addr, with the register's hardware
// rules (read-only bits, write protection, clocks that must be enabled).
// Writing an address the model does not map hangs the CPU (FaultBusFault).
//
// On a family with its own register map addr is the family's address.
func (c *Chip) Write32(addr, v uint32) {
	if c.stopped() {
		return
	}
	canon, x, ok := c.fmap.resolve(addr)
	switch {
	case !ok:
		c.busFault("write", addr, "no such register on the "+c.cfg.Family.String())
		return
	case x == nil:
		c.write(canon, v)
		return
	}
	var old uint32
	switch canon {
	case rccCSR:
		old = c.csr
	case rccBDCR:
		old = c.bdcr
	default:
		old = c.regs[canon]
	}
	if canon != addr {
		c.regs[addr] = v // the family's own bits, read back by outValue
	}
	if x.canon != 0 {
		c.write(canon, x.inValue(v, old))
	}
}

// pwrClocked: the PWR registers answer (RCC_APB1ENR PWREN; always on an
// STM32H7).
func (c *Chip) pwrClocked() bool {
	return c.fmap != nil && c.fmap.noPWREN || c.regs[rccAPB1ENR]&apb1PWREN != 0
}

// write writes a register of the model's (F4) map.
func (c *Chip) write(addr, v uint32) {
	if addr&3 != 0 {
		c.busFault("write", addr, "unaligned word access")
		return
	}
	if c.writeMemory(addr, v) || c.writeRCC(addr, v) || c.writeSystem(addr, v) {
		return
	}
	if _, ok := c.regs[addr]; ok {
		c.regs[addr] = v
		return
	}
	c.busFault("write", addr, "not modelled")
}

// writeMemory handles a store to RAM, flash, system memory, the OTG core
// and the RTC; it reports whether addr is one of them.
func (c *Chip) writeMemory(addr, v uint32) bool {
	switch {
	case addr < aliasSize && c.regs[syscfgMEMRMP]&memModeMask == memModeSRAM && addr < sramSize:
		c.ram[sramBase+addr] = v
	case addr >= sramBase && addr < sramBase+sramSize, addr >= ccmBase && addr < ccmBase+ccmSize:
		c.ram[addr] = v
	case addr < aliasSize, addr >= flashBase && addr < flashBase+flashSize,
		addr >= c.cfg.SystemMemory && addr < c.cfg.SystemMemory+sysMemSize:
		c.busFault("write", addr, "flash and system memory are not writable by a store")
	case addr >= otgBase && addr < otgBase+0x1000:
		c.writeOTG(addr, v)
	case addr >= rtcTR && addr < rtcBKP0R+4*uint32(c.bkpN):
		if !c.writeRTC(addr, v) {
			c.busFault("write", addr, "not modelled")
		}
	default:
		return false
	}
	return true
}

// writeRCC handles a store to the reset and clock control registers; it
// reports whether addr is one of them.
func (c *Chip) writeRCC(addr, v uint32) bool {
	switch addr {
	case rccCR:
		c.writeCR(v)
	case rccPLLCFGR:
		if c.regs[rccCR]&crPLLON == 0 { // RM0090: write only with the PLL off
			c.regs[addr] = v
		}
	case rccCFGR:
		c.writeCFGR(v)
	case rccCIR:
		c.regs[addr] = v & cirIEMask // flag-clear bits are write-1-to-clear, not stored
	case rccAHB2RSTR:
		c.regs[addr] = v
		if v&ahb2OTGFS != 0 {
			for a, rv := range otgResetValues {
				c.regs[a] = rv
			}
		}
	case rccCSR:
		c.writeCSR(v)
	case rccBDCR:
		c.writeBDCR(v)
	default:
		return false
	}
	return true
}

// writeCSR handles RCC_CSR: RMVF clears the reset flags, LSION starts the
// LSI (ready at once in the model).
func (c *Chip) writeCSR(v uint32) {
	if v&csrRMVF != 0 {
		c.csr &^= csrFlags
	}
	c.csr = c.csr&^csrLSION | v&csrLSION
	if c.csr&csrLSION != 0 {
		c.csr |= csrLSIRDY
	} else {
		c.csr &^= csrLSIRDY
	}
}

// writeSystem handles a store to PWR, the watchdog, SYSCFG, the NVIC and
// the SCB; it reports whether addr is one of them.
func (c *Chip) writeSystem(addr, v uint32) bool {
	switch {
	case addr == pwrCR:
		if c.pwrClocked() {
			c.regs[addr] = v
		}
	case addr == pwrCSR:
		// status bits only in the model
	case addr >= iwdgKR && addr <= iwdgSR:
		c.writeIWDG(addr, v)
	case addr == syscfgMEMRMP:
		if c.regs[rccAPB2ENR]&apb2SYSCFGEN != 0 {
			c.regs[addr] = v & 0x7
		}
	case addr >= nvicISER && addr < nvicISER+32:
		c.nvicEnable[(addr-nvicISER)/4] |= v & nvicImplemented((addr-nvicISER)/4)
	case addr >= nvicICER && addr < nvicICER+32:
		c.nvicEnable[(addr-nvicICER)/4] &^= v
	case addr >= nvicISPR && addr < nvicISPR+32:
		c.nvicPend[(addr-nvicISPR)/4] |= v & nvicImplemented((addr-nvicISPR)/4)
	case addr >= nvicICPR && addr < nvicICPR+32:
		c.nvicPend[(addr-nvicICPR)/4] &^= v
	case addr == scbAIRCR:
		c.writeAIRCR(v)
	case addr == scbVTOR:
		c.regs[addr] = v & 0xFFFFFE00
	default:
		return false
	}
	return true
}

// writeAIRCR handles SCB_AIRCR: ignored without VECTKEY (PM0214);
// SYSRESETREQ resets the chip.
func (c *Chip) writeAIRCR(v uint32) {
	if v&0xFFFF0000 != aircrVECTKEY {
		return
	}
	c.regs[scbAIRCR] = v & aircrPRIGROUPMask
	if v&aircrSYSRESETREQ != 0 {
		c.pending = action{kind: actReset, flags: csrSFTRSTF | csrPINRSTF}
	}
}

func nvicImplemented(word uint32) uint32 {
	lo := word * 32
	switch {
	case lo+32 <= nvicIRQs:
		return 0xFFFFFFFF
	case lo >= nvicIRQs:
		return 0
	}
	return 1<<(nvicIRQs-lo) - 1
}

func (c *Chip) busFault(op string, addr uint32, why string) {
	c.hang(FaultBusFault, fmt.Sprintf("%s of 0x%08X: %s", op, addr, why))
}

func (c *Chip) flashWord(addr uint32) uint32 {
	if c.cfg.Flash != nil {
		return c.cfg.Flash(addr)
	}
	switch addr {
	case flashBase:
		return sramBase + sramSize
	case flashBase + 4:
		return 0x080001C1
	}
	return 0
}

func (c *Chip) sysMemWord(addr uint32) uint32 {
	switch addr {
	case c.cfg.SystemMemory:
		return c.cfg.ROMStack
	case c.cfg.SystemMemory + 4:
		return c.cfg.ROMEntry
	}
	return 0 // the ROM's code is not modelled
}

// ramWord returns a RAM word; never-written words after power-on read as
// reproducible garbage.
func (c *Chip) ramWord(addr uint32) uint32 {
	if v, ok := c.ram[addr]; ok {
		return v
	}
	h := fnv.New32a()
	var b [12]byte
	for i := range 8 {
		b[i] = byte(c.epoch >> (8 * i))
	}
	b[8], b[9], b[10], b[11] = byte(addr), byte(addr>>8), byte(addr>>16), byte(addr>>24)
	h.Write(b[:])
	return h.Sum32()
}

// writeCR applies RCC_CR with RM0090's rules: an oscillator that feeds
// SYSCLK cannot be switched off; ready flags follow their enables (the
// model starts oscillators at once); HSE starts only if the board has one.
func (c *Chip) writeCR(v uint32) {
	old := c.regs[rccCR]
	sws := (c.regs[rccCFGR] & cfgrSWSMask) >> 2
	pllFromHSE := c.regs[rccPLLCFGR]&pllcfgrSrcHSE != 0
	const writable = crHSION | 0xF8 | crHSEON | crHSEBYP | crCSSON | crPLLON | 1<<26 | 1<<28
	nv := old&^writable | v&writable
	if sws == swHSI {
		nv |= crHSION
	}
	if sws == swPLL {
		nv |= crPLLON
		if pllFromHSE {
			nv |= crHSEON
		} else {
			nv |= crHSION
		}
	}
	if sws == swHSE || (nv&crPLLON != 0 && pllFromHSE) {
		nv |= crHSEON // in use: stays on (PLL source while PLL runs)
	}
	if nv&crHSEON != 0 && old&crHSEON != 0 {
		nv = nv&^crHSEBYP | old&crHSEBYP // HSEBYP writable only with HSE off
	}
	nv = setIf(nv, crHSIRDY, nv&crHSION != 0)
	nv = setIf(nv, crHSERDY, nv&crHSEON != 0 && c.cfg.HSE.Hz != 0)
	src := nv&crHSIRDY != 0
	if pllFromHSE {
		src = nv&crHSERDY != 0
	}
	nv = setIf(nv, crPLLRDY, nv&crPLLON != 0 && src)
	c.regs[rccCR] = nv
}

// writeCFGR applies RCC_CFGR: SWS follows SW when the selected clock is
// ready, else the switch does not happen.
func (c *Chip) writeCFGR(v uint32) {
	cr := c.regs[rccCR]
	sws := (c.regs[rccCFGR] & cfgrSWSMask) >> 2
	switch v & cfgrSWMask {
	case swHSI:
		if cr&crHSIRDY != 0 {
			sws = swHSI
		}
	case swHSE:
		if cr&crHSERDY != 0 {
			sws = swHSE
		}
	case swPLL:
		if cr&crPLLRDY != 0 {
			sws = swPLL
		}
	}
	c.regs[rccCFGR] = v&^cfgrSWSMask | sws<<2
}

func setIf(v, bit uint32, on bool) uint32 {
	if on {
		return v | bit
	}
	return v &^ bit
}

func (c *Chip) writeOTG(addr, v uint32) {
	if c.regs[rccAHB2ENR]&ahb2OTGFS == 0 || c.regs[rccAHB2RSTR]&ahb2OTGFS != 0 {
		return // no clock, or held in reset: writes are lost
	}
	switch addr {
	case otgGRSTCTL:
		// Core soft reset: clears the core's state machines and
		// interrupt status, not its configuration registers (RM0090
		// GRSTCTL CSRST). Completes at once in the model.
		if v&grstCSRST != 0 {
			c.regs[otgGINTSTS] = otgResetValues[otgGINTSTS]
		}
		c.regs[addr] = grstAHBIDL
	case otgGINTSTS:
		c.regs[addr] &^= v // write 1 to clear
	default:
		c.regs[addr] = v
	}
}

func (c *Chip) writeBDCR(v uint32) {
	if c.regs[pwrCR]&pwrCRDBP == 0 {
		return // backup domain write-protected (PWR_CR DBP clear)
	}
	if v&bdcrBDRST != 0 {
		c.resetBackupDomain()
		c.bdcr = bdcrBDRST
		return
	}
	const writable = bdcrLSEON | 1<<2 | bdcrRTCSELMask | bdcrRTCEN
	nv := c.bdcr&^(writable|bdcrBDRST) | v&writable
	if c.bdcr&bdcrRTCSELMask != 0 {
		nv = nv&^bdcrRTCSELMask | c.bdcr&bdcrRTCSELMask // set once until BDRST
	}
	nv = setIf(nv, bdcrLSERDY, nv&bdcrLSEON != 0)
	c.rtcBase, c.rtcSetAt = c.calendar(), c.now // fold elapsed time, then start or stop
	c.bdcr = nv
}
