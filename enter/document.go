package enter

import (
	"fmt"
	"time"

	"github.com/softdfu/softdfu/board"
)

// Document is what entering the bootloader of one board did as front
// ends show it (softdfu enter --json). The JSON field names are stable
// and in sorted order.
type Document struct {
	// AppSerial is the application's serial number (board.SerialOf).
	AppSerial string `json:"app_serial"`
	ElapsedMs int64  `json:"elapsed_ms"`
	// Method is empty when the board already was in DFU mode.
	Method          Method `json:"method"`
	PredictedSerial string `json:"predicted_serial"`
	// ROM is the bootloader the board became; nil when entering failed.
	ROM *board.DeviceDocument `json:"rom,omitempty"`
}

// Document returns r, of an entry that ended with err, as front ends show
// it; nil for nil r.
func (r *Result) Document(err error) *Document {
	if r == nil {
		return nil
	}
	d := &Document{AppSerial: board.SerialOf(r.App.Descriptors), ElapsedMs: r.Elapsed.Milliseconds(), Method: r.Method, PredictedSerial: r.PredictedSerial}
	if err == nil {
		d.ROM = board.DeviceDocumentOf(&r.ROM)
	}
	return d
}

// String says for people what a successful entry did: the method, how
// long it took and the bootloader the board became, or that it already
// was in the bootloader.
func (r *Result) String() string {
	rom := r.ROM
	if r.Method == "" {
		return fmt.Sprintf("%s: already in the ROM bootloader: %s serial %s", rom.Path, rom.ID(), rom.Descriptors.Serial())
	}
	return fmt.Sprintf("%s: entered the ROM bootloader with %s in %v: %s %q path %s serial %s",
		r.App.Path, r.Method, r.Elapsed.Round(time.Millisecond), rom.ID(), rom.Descriptors.ProductName(), rom.Path, rom.Descriptors.Serial())
}
