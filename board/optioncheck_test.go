package board

import (
	"errors"
	"testing"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/usb"
)

// TestCheckOptionChange: each change with a consequence beyond the reset
// is refused until accepted; reserved bits are always refused.
func TestCheckOptionChange(t *testing.T) {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	if err != nil {
		t.Fatal(err)
	}
	chip, _ := Chip(usb.DeviceDescriptor{}, l)
	cur := optionbytes.Block{RDP: 0xAA, User: 0xef, NWRP: 0x0fff} // WDG_SW set, BOR off
	tests := []struct {
		name   string
		change func(*optionbytes.Block)
		accept Risks
		want   Risk
	}{
		{"protect sector 0", func(b *optionbytes.Block) { b.NWRP = 0x0ffe }, Risks{}, FreezeBoot},
		{"protect sector 0, accepted", func(b *optionbytes.Block) { b.NWRP = 0x0ffe }, Risks{FreezeBoot: true}, 0},
		{"protect sector 1", func(b *optionbytes.Block) { b.NWRP = 0x0ffd }, Risks{}, 0},
		{"clear WDG_SW", func(b *optionbytes.Block) { b.User = 0xcf }, Risks{}, WatchdogAlwaysOn},
		{"clear WDG_SW, accepted", func(b *optionbytes.Block) { b.User = 0xcf }, Risks{WatchdogAlwaysOn: true}, 0},
		{"raise BOR", func(b *optionbytes.Block) { b.User = 0xe3 }, Risks{}, BrownoutReset},
		{"raise BOR, accepted", func(b *optionbytes.Block) { b.User = 0xe3 }, Risks{BrownoutReset: true}, 0},
		{"reserved USER bit", func(b *optionbytes.Block) { b.User = 0xee }, Risks{FreezeBoot: true, WatchdogAlwaysOn: true, BrownoutReset: true}, Reserved},
		{"BFB2 on one bank", func(b *optionbytes.Block) { b.User = 0xff }, Risks{FreezeBoot: true, WatchdogAlwaysOn: true, BrownoutReset: true}, Reserved},
		{"nWRP bit of no sector", func(b *optionbytes.Block) { b.NWRP = 0x8fff }, Risks{FreezeBoot: true, WatchdogAlwaysOn: true, BrownoutReset: true}, ReservedNWRP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := cur
			tt.change(&want)
			err := CheckOptionChange([]optionbytes.Block{cur}, []optionbytes.Block{want}, l, chip, tt.accept)
			var re *RiskError
			switch {
			case tt.want == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == 0:
			case !errors.As(err, &re) || re.Risk != tt.want:
				t.Fatalf("error %v, want risk %d", err, tt.want)
			case KindOf(err) != Usage:
				t.Errorf("kind %v, want usage", KindOf(err))
			}
		})
	}
}

// TestRiskErrorText: the library's text names the change, not a flag,
// and keeps reserved bits as the board has them.
func TestRiskErrorText(t *testing.T) {
	e := &RiskError{Risk: Reserved, From: 0xef, To: 0xee, Mask: 0x13}
	if got, want := e.Error(), "USER 0xee changes reserved USER bits (mask 0x13): keep them as the board has them (0x03), for example USER 0xef"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	e = &RiskError{Risk: BrownoutReset, From: 0xef, To: 0xe3, FromBOR: "off", ToBOR: "BOR level 3"}
	if got, want := e.Error(), "USER 0xe3 raises the brown-out reset threshold from off to BOR level 3: below that supply voltage the chip is held in reset and starts nothing, the ROM bootloader included"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
