package stm32f4

import "fmt"

// RunMode is what the next start-up should do, as in CircuitPython's
// microcontroller.RunMode.
type RunMode uint8

// Run modes. The numeric values are stored in the request word; do not
// reorder.
const (
	// Normal: start the application normally.
	Normal RunMode = iota
	// SafeMode: the application should start in safe mode (handled by
	// the application; EarlyStartup only reports it).
	SafeMode
	// UF2: the application should hand over to a UF2 bootloader, if it
	// has one (handled by the application; EarlyStartup only reports it).
	UF2
	// Bootloader: enter ST's ROM bootloader (USB DFU).
	Bootloader
)

// String returns "normal", "safe-mode", "uf2" or "bootloader".
func (m RunMode) String() string {
	switch m {
	case Normal:
		return "normal"
	case SafeMode:
		return "safe-mode"
	case UF2:
		return "uf2"
	case Bootloader:
		return "bootloader"
	}
	return fmt.Sprintf("RunMode(%d)", uint8(m))
}

func (m RunMode) valid() bool { return m <= Bootloader }
