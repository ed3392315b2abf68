package enter

import (
	"strings"

	"github.com/softdfu/softdfu/board"
)

// Updatable reports whether a board can be updated: a device in DFU mode
// (the ROM bootloader or a DFU run-time interface), or an application with
// a software entry method this package knows. With forced (the caller
// names the method) any application with a CDC-ACM serial port qualifies
// as well; without it, unknown devices (keyboards, hubs, modems) are never
// touched.
func Updatable(b board.Board, forced bool) bool {
	if b.Mode == board.DFU || b.Mode == board.RunTime {
		return true
	}
	if len(Methods(b.Info.Descriptors)) > 0 {
		return true
	}
	_, acm := FindACM(b.Info.Descriptors)
	return forced && acm
}

// Summary says what tells a board apart beyond its serial: for a ROM
// bootloader the chip its flash layout shows ("unknown chip" for a layout
// of no chip known, "" without a flash layout), for an application how
// its bootloader can be entered from software and the ROM serial it will
// have there.
func Summary(b board.Board) string {
	if b.Mode == board.DFU {
		if c, ok := b.Chip(); ok {
			return c.Name
		}
		if len(b.Alts) == 0 {
			return ""
		}
		if _, err := board.ParseLayout(b.Alts[0]); err != nil {
			return ""
		}
		return "unknown chip"
	}
	var ms []string
	for _, m := range Methods(b.Info.Descriptors) {
		ms = append(ms, string(m))
	}
	if len(ms) == 0 {
		return "no software entry"
	}
	s := "enter: " + strings.Join(ms, ",")
	if rom, ok := PredictROMSerial(b.Serial); ok {
		s += ", ROM serial " + rom
	}
	return s
}
