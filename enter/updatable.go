package enter

import "github.com/softdfu/softdfu/board"

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
