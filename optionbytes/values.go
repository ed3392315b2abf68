package optionbytes

// Bits of the USER option byte whose change reaches beyond the reset
// (RM0090 section 3.7.1, "Description of user option bytes").
const (
	// UserWDGSW is WDG_SW (bit 5): set, the independent watchdog is
	// started by software; clear, by hardware at every reset.
	UserWDGSW = 1 << 5
	// UserBOR is BOR_LEV (bits 3:2): the brown-out reset threshold.
	UserBOR = 3 << 2
	// UserReserved are the USER bits no option of an STM32F4 uses:
	// bits 1:0 (and UserBFB2 on parts with one bank).
	UserReserved = 0x03
	// UserBFB2 is BFB2 (bit 4), dual-bank boot on F42x/43x.
	UserBFB2 = 1 << 4
)

// RDPLevel1 is the RDP value written for read protection level 1: any
// value but RDPLevel0 and RDPLevel2 is level 1 (RM0090 section 3.7.3);
// ST's tools write 0xBB.
const RDPLevel1 = 0xBB
