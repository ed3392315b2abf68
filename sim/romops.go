package sim

import (
	"context"
	"time"

	"github.com/softdfu/softdfu/part"
)

// advance moves the board's clock on by d (flash busy, ROM start-up).
func (c *Clock) advance(d time.Duration) error { return c.Sleep(context.Background(), d) }

// execute runs a DfuSe command (block 0) or a data block (block >= 2) that
// the ROM received, when the host's GETSTATUS starts it.
func (b *Board) execute(r *rom, blk uint16, data []byte) operation {
	b.mu.Lock()
	defer b.mu.Unlock()
	if blk == 0 {
		return b.command(r, data)
	}
	addr := r.ptr + uint32(blk-2)*transferSize
	reported := b.rom.PollProgram
	if reported == 0 {
		reported = b.programTime(transferSize, true)
	}
	op := operation{duration: b.programTime(len(data), false), reported: reported}
	switch r.alt {
	case 0:
		switch {
		case b.mem.rdpLevel() != 0:
			op.status = errVendor
		case !b.mem.inFlash(addr, len(data)):
			op.status = errTarget
		case b.mem.program(addr, data) != nil:
			op.status = errWrite
		}
	case 1:
		op = b.writeOptions(addr, data)
	case 2:
		if !b.part.HasOTP {
			op.status = errTarget
			break
		}
		off := int(int64(addr) - int64(OTPBase))
		if b.mem.rdpLevel() != 0 {
			op.status = errVendor
		} else if off < 0 || off+len(data) > len(b.mem.otp) {
			op.status = errTarget
		} else if b.mem.otpProgram(off, data) != nil {
			op.status = errWrite
		}
	case 3:
		if !b.part.HasOTP || addr != FeatureBase || len(data) > FeatureSize {
			op.status = errTarget
		} else {
			copy(b.mem.feature[:], data)
		}
	}
	return op
}

// command runs a DfuSe command.
func (b *Board) command(r *rom, data []byte) operation {
	cmdTime := 50 * time.Microsecond // UNVERIFIED: a command without flash work
	op := operation{duration: cmdTime, reported: b.rom.PollCommand}
	switch {
	case len(data) == 5 && data[0] == dfuseCmdSetAddress:
		addr := le32(data[1:])
		if !b.validAddress(r.alt, addr) {
			op.status = errTarget
			return op
		}
		r.ptr = addr
	case len(data) == 1 && data[0] == dfuseCmdErase:
		typ := b.pick(b.timing().MassErasePerMB)
		mb := time.Duration(b.part.FlashSize()) * typ / (1 << 20)
		op.duration = mb
		op.reported = b.rom.PollMassErase
		if op.reported == 0 {
			op.reported = time.Duration(b.part.FlashSize()) * b.timing().MassErasePerMB[0] / (1 << 20)
		}
		if r.alt != 0 || b.rom.NoMassErase {
			op.status, op.duration = errTarget, cmdTime
		} else if b.mem.rdpLevel() != 0 {
			op.status, op.duration = errVendor, cmdTime
		} else if b.mem.massErase() != nil {
			op.duration = cmdTime // refused by the flash controller; the ROM reports OK (UNVERIFIED)
		}
	case len(data) == 5 && data[0] == dfuseCmdErase:
		addr := le32(data[1:])
		i := b.part.SectorAt(addr)
		if r.alt != 0 || i < 0 {
			op.status = errTarget
			return op
		}
		// ST's DFU classes (USBD, USBX) keep the erase address in the
		// address pointer: data blocks after an erase count from it
		// (UNVERIFIED for the ROM itself; docs/SIMULATOR.md).
		r.ptr = addr
		size := b.part.Sectors[i].Size
		op.duration = b.eraseTime(size)
		op.reported = b.timing().Erase[size][0]
		if b.mem.rdpLevel() != 0 {
			op.status, op.duration = errVendor, cmdTime
		} else if b.part.reserved(b.part.Sectors[i].Address, uint64(size)) {
			// STM32WB: the radio firmware's pages ("Operation exceeds
			// memory limits", STM32CubeWB #41).
			op.status, op.duration = errTarget, cmdTime
		} else if b.mem.eraseSector(i) != nil {
			// Erasing a write-protected sector reports no error and
			// erases nothing (docs/PROTOCOL.md section 3).
			op.duration = cmdTime
		}
	case len(data) == 1 && data[0] == dfuseCmdUnprotect:
		if b.mem.rdpLevel() == 2 {
			op.status = errVendor
			return op
		}
		op.duration = time.Duration(b.part.FlashSize()) * b.timing().MassErasePerMB[0] / (1 << 20)
		op.reported = b.rom.PollMassErase
		b.setRDP(RDPLevel0)
		op.after = b.resetAfterOp
	default:
		op.status = errUnknown
	}
	return op
}

// setRDP writes the RDP byte; going from level 1 to 0 mass-erases main
// flash first (RM0090 3.7.3), whatever the write protection. Call with b.mu
// held.
func (b *Board) setRDP(v byte) {
	if b.mem.rdpLevel() == 1 && b.part.rdpLevel(v) == 0 {
		for i := range b.mem.flash {
			b.mem.flash[i] = 0xFF
		}
	}
	b.mem.options[0][b.part.rdpOffset()] = v
}

// writeOptions programs an option-byte block. The chip resets afterwards.
func (b *Board) writeOptions(addr uint32, data []byte) operation {
	op := operation{duration: b.eraseTime(16 << 10), reported: b.timing().Erase[16<<10][0]}
	i := b.mem.optionBlock(addr)
	switch {
	case i < 0 || len(data) != len(b.mem.options[i]):
		op.status = errTarget
		return op
	case b.mem.rdpLevel() == 2:
		// RDP level 2: option bytes can no longer be changed.
		op.status = errVendor
		return op
	}
	blk := append([]byte(nil), data...)
	if b.part.Chip.Family.Options.Layout == part.OptionsF7 {
		f7Program(blk, b.mem.options[i])
	}
	off := b.part.rdpOffset()
	rdp := blk[off]
	blk[off] = b.mem.options[i][off]
	b.mem.options[i] = blk
	if i == 0 {
		b.setRDP(rdp)
	}
	op.after = b.resetAfterOp
	return op
}

// f7Program makes of an STM32F7 block sent to the ROM what the chip
// stores: the ROM programs FLASH_OPTCR and FLASH_OPTCR1 from the value
// halves of the four words and the flash interface writes their
// complements (RM0410 3.4); the reserved upper words keep what they held.
// Whether the ROM checks the complements a host sends is UNVERIFIED: the
// model ignores them.
func f7Program(blk, old []byte) {
	for _, o := range []int{0, 8, 16, 24} {
		blk[o+2], blk[o+3] = ^blk[o], ^blk[o+1]
		copy(blk[o+4:o+8], old[o+4:o+8])
	}
}

// resetAfterOp resets the chip once an operation that needs it completes.
func (b *Board) resetAfterOp() { b.Reset() }

// validAddress reports whether Set Address may point at addr on alt.
func (b *Board) validAddress(alt uint8, addr uint32) bool {
	switch alt {
	case 0:
		return b.part.Flash().Contains(addr)
	case 1:
		for i, a := range b.part.OptionBlocks {
			if addr >= a && addr-a < uint32(len(b.mem.options[i])) {
				return true
			}
		}
	case 2:
		return b.part.HasOTP && addr >= OTPBase && addr < OTPBase+OTPDataSize+OTPLockSize
	case 3:
		return b.part.HasOTP && addr >= FeatureBase && addr < FeatureBase+FeatureSize
	}
	return false
}

// readAlt reads n bytes at addr of an alternate setting for UPLOAD.
func (b *Board) readAlt(alt uint8, addr uint32, n int) ([]byte, uint8) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch alt {
	case 0:
		if b.mem.rdpLevel() != 0 {
			return nil, errVendor
		}
		data, err := b.mem.read(addr, n)
		if err != nil {
			return nil, errTarget
		}
		return data, statusOK
	case 1:
		for i, a := range b.part.OptionBlocks {
			if addr >= a && uint64(addr)+uint64(n) <= uint64(a)+uint64(len(b.mem.options[i])) {
				blk := b.mem.options[i]
				return append([]byte(nil), blk[addr-a:addr-a+uint32(n)]...), statusOK
			}
		}
	case 2:
		if b.mem.rdpLevel() != 0 {
			return nil, errVendor
		}
		off := int64(addr) - int64(OTPBase)
		if off >= 0 && off+int64(n) <= int64(len(b.mem.otp)) {
			return append([]byte(nil), b.mem.otp[off:off+int64(n)]...), statusOK
		}
	case 3:
		off := int64(addr) - FeatureBase
		if off >= 0 && off+int64(n) <= FeatureSize {
			return append([]byte(nil), b.mem.feature[off:off+int64(n)]...), statusOK
		}
	}
	return nil, errTarget
}
