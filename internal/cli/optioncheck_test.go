package cli

import (
	"testing"

	"github.com/softdfu/softdfu/board"
)

// TestRiskError: a refused option-byte change reads in flags, word for
// word as option-bytes has always said it.
func TestRiskError(t *testing.T) {
	tests := []struct {
		err  *board.RiskError
		want string
	}{
		{&board.RiskError{Risk: board.FreezeBoot, Sector: 0, Address: 0x08000000},
			"write-protecting sector 0, which holds the vector table at 0x08000000, freezes the start of the application: no DFU update (softdfu's or any tool's) can change it until the protection is removed again; add --freeze-boot-sector if that is what you want"},
		{&board.RiskError{Risk: board.Reserved, From: 0xef, To: 0xee, Mask: 0x13},
			"--user 0xee changes reserved USER bits (mask 0x13): keep them as the board has them (0x03), for example --user 0xef"},
		{&board.RiskError{Risk: board.WatchdogAlwaysOn, From: 0xef, To: 0xcf},
			"--user 0xcf clears WDG_SW: the independent watchdog then starts at every reset and resets the chip unless the firmware keeps refreshing it, for good until WDG_SW is set again; add --watchdog-always-on if that is what you want"},
		{&board.RiskError{Risk: board.BrownoutReset, From: 0xef, To: 0xe3, FromBOR: "off", ToBOR: "BOR level 3"},
			"--user 0xe3 raises the brown-out reset threshold from off to BOR level 3: below that supply voltage the chip is held in reset and starts nothing, the ROM bootloader included; add --brownout-reset if the board's supply is always above it"},
		{&board.RiskError{Risk: board.ReservedNWRP, Block: 1, Mask: 0x8000, From: 0x0fff, To: 0x8fff},
			"the nWRP word of block 1 would change bits 0x8000 that protect no sector of this board (reserved, or SPRMOD/DB1M on dual-bank parts, which change what the other bits mean): keep them as they are (nWRP now 0x0fff)"},
	}
	for _, tt := range tests {
		err := riskError(tt.err)
		if err.Error() != tt.want {
			t.Errorf("got  %q\nwant %q", err.Error(), tt.want)
		}
		if board.KindOf(err) != board.Usage {
			t.Errorf("%q: kind %v, want usage", err, board.KindOf(err))
		}
	}
}
