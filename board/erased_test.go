package board

import (
	"encoding/json"
	"testing"
)

// TestEraseDone: an erase's document, in JSON and for people, by numbers
// and whole.
func TestEraseDone(t *testing.T) {
	list := []Sector{{Index: 0}, {Index: 2}, {Index: 3}, {Index: 4}}
	d := EraseDone(list, EraseRequest{Sectors: []int{0, 2, 3, 4}})
	b, _ := json.Marshal(d)
	if string(b) != `{"blank_checked":true,"mass":false,"sectors":[0,2,3,4]}` {
		t.Errorf("document %s", b)
	}
	if got, want := d.Text("1-1"), "erased 4 sector(s) of 1-1 (sector 0,2-4), checked blank"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	d = EraseDone(list, EraseRequest{Mass: true, NoBlankCheck: true})
	if got, want := d.Text("1-1"), "mass-erased the flash of 1-1 (4 sectors), not checked"; got != want || d.BlankChecked {
		t.Errorf("text %q, want %q (%+v)", got, want, d)
	}
}
