package board

import "fmt"

// EraseDocument is what an erase did as front ends show it (softdfu
// erase --json): the sectors erased, whether by one mass erase, and
// whether they were read back blank. The JSON field names are stable and
// in sorted order.
type EraseDocument struct {
	BlankChecked bool  `json:"blank_checked"`
	Mass         bool  `json:"mass"`
	Sectors      []int `json:"sectors"`
}

// EraseDone describes the erase of list (Session.Sectors of r) that
// Session.Erase did as r asked.
func EraseDone(list []Sector, r EraseRequest) EraseDocument {
	return EraseDocument{Sectors: Indexes(list), Mass: r.Mass, BlankChecked: !r.NoBlankCheck}
}

// Text says for people what the erase did on the board at path: how many
// sectors (which ones, or the whole flash) and whether they were checked
// blank.
func (d EraseDocument) Text(path string) string {
	check := "checked blank"
	if !d.BlankChecked {
		check = "not checked"
	}
	if d.Mass {
		return fmt.Sprintf("mass-erased the flash of %s (%d sectors), %s", path, len(d.Sectors), check)
	}
	return fmt.Sprintf("erased %d sector(s) of %s (sector %s), %s", len(d.Sectors), path, SectorNumbers(d.Sectors), check)
}
