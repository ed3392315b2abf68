package board

import (
	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// OptionPlan is a change to the option bytes, checked before anything is
// written: the blocks to write (one per bank) and what writing them does
// beyond the chip's reset.
type OptionPlan struct {
	Want []optionbytes.Block
	// Lock: the blocks set read protection level 2, which locks the chip
	// forever (RDP2Warning).
	Lock bool
	// MassErase: the blocks leave read protection level 1, and the chip
	// mass-erases its flash first.
	MassErase bool
}

// PlanOptionChange checks c against cur (read by Session.OptionBytes) on
// chip with its flash layout, before anything is written: softdfu must
// write the chip's option bytes (NotChangeable), c must fit the board
// (OptionChange.Apply), and every risk the change takes must be accepted
// in r (CheckOptionChange, whose refusal is a *RiskError).
func PlanOptionChange(cur *OptionBytes, c OptionChange, layout Layout, chip *part.Chip, path string, r Risks) (OptionPlan, error) {
	if err := NotChangeable(chip, path); err != nil {
		return OptionPlan{}, err
	}
	want, err := c.Apply(cur.Blocks, layout, chip)
	if err != nil {
		return OptionPlan{}, err
	}
	if err := CheckOptionChange(cur.Blocks, want, layout, chip, r); err != nil {
		return OptionPlan{}, err
	}
	return OptionPlan{Want: want, Lock: want[0].RDP == optionbytes.RDPLevel2, MassErase: cur.Level() == 1 && want[0].Level() == 0}, nil
}
