package stm32f4

// Bus reads and writes 32-bit words of the memory map: peripheral
// registers and RAM. On silicon these are volatile accesses.
type Bus interface {
	Read32(addr uint32) uint32
	Write32(addr, v uint32)
}

// CPU is the processor core operations the entry sequence needs.
type CPU interface {
	// DisableInterrupts sets PRIMASK (cpsid i).
	DisableInterrupts()
	// EnableInterrupts clears PRIMASK (cpsie i).
	EnableInterrupts()
	// SetMSP sets the main stack pointer to use at the next Jump. On
	// silicon the binding loads MSP and branches in one instruction
	// sequence, since the calling Go code still uses its stack.
	SetMSP(sp uint32)
	// Jump branches to pc (Thumb bit set). It does not return on
	// silicon; in a simulator it returns and the caller must return at
	// once without touching the chip again.
	Jump(pc uint32)
	// WaitForReset waits for a requested system reset to take effect
	// (on silicon: spins forever). In a simulator it returns.
	WaitForReset()
	// DSB and ISB are the data and instruction synchronisation barriers.
	DSB()
	ISB()
}
