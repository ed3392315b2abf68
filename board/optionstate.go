package board

import (
	"context"

	"github.com/softdfu/softdfu/part"
)

// OptionState is a board's option bytes with what describing and
// changing them takes: the chip (the option-byte string helps tell it)
// and the layout of internal flash.
type OptionState struct {
	Path  string
	Bytes *OptionBytes
	Chip  *part.Chip
	Flash Layout
}

// OptionState reads the option bytes (OptionBytes) of a session opened on
// internal flash, with the chip and the flash layout.
func (s *Session) OptionState(ctx context.Context) (*OptionState, error) {
	flash := s.Layout() // before OptionBytes selects their alternate setting
	o, err := s.OptionBytes(ctx)
	if err != nil {
		return nil, err
	}
	chip, _ := s.Chip()
	return &OptionState{Path: s.Board.Path, Bytes: o, Chip: chip, Flash: flash}, nil
}

// Document describes now, option bytes of the same board: st.Bytes, or
// those read back after a write.
func (st *OptionState) Document(now *OptionBytes) OptionDocument {
	return now.Document(st.Chip, st.Flash)
}

// Plan checks c against the option bytes before anything is written
// (PlanOptionChange); a sector the board does not have is a
// *BadSectorError.
func (st *OptionState) Plan(c OptionChange, r Risks) (OptionPlan, error) {
	return PlanOptionChange(st.Bytes, c, st.Flash, st.Chip, st.Path, r)
}
