package sim

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"sort"
)

// PersonaMarker starts the marker an application image carries to tell
// the simulator which application persona runs it: the marker, then the
// persona name, then a NUL. Images without it run as a generic application
// with no USB, which is what a host sees of most real firmware.
const PersonaMarker = "SOFTDFU-PERSONA:"

// personaSearch is how far into an image the simulator looks for the marker.
const personaSearch = 64 << 10

// persona describes what an application persona shows on USB and does.
type persona struct {
	vendor, product uint16
	manufacturer    string
	productName     string
	// cdc gives the persona a CDC-ACM interface pair (a REPL or serial port).
	cdc bool
	// runtime gives it a DFU run-time interface (class FE/01/01).
	runtime bool
	// firmware: the application runs softdfu's device library
	// (target/stm32f4 EarlyStartup at reset) and a CircuitPython-like
	// clock and peripheral set-up.
	firmware bool
	// touch1200 enters the ROM on a 1200-baud touch (SET_LINE_CODING 1200
	// baud, then DTR dropped).
	touch1200 bool
	// console makes the REPL or serial behaviour behind the bulk endpoints.
	console func(b *Board) console
}

// personas lists the application personas. IDs: Adafruit's VID with
// CircuitPython's Feather STM32F405 PID, MicroPython's STM32 VID:PID, ST's
// VID:PID for DFU run-time devices. UNVERIFIED: PIDs per board.
var personas = map[string]persona{
	"circuitpython": {vendor: 0x239A, product: 0x8031, manufacturer: "Adafruit Industries LLC", productName: "CircuitPython board", cdc: true, firmware: true, touch1200: true, console: newCircuitPython},
	"micropython":   {vendor: 0xF055, product: 0x9800, manufacturer: "MicroPython", productName: "Pyboard Virtual Comm Port in FS Mode", cdc: true, firmware: true, console: newMicroPython},
	"runtime":       {vendor: 0x0483, product: 0xDF12, manufacturer: "softdfu", productName: "DFU run-time application", runtime: true, firmware: true},
	"arduino":       {vendor: 0x0483, product: 0x5740, manufacturer: "STMicroelectronics", productName: "Arduino STM32 serial", cdc: true, firmware: true, touch1200: true, console: newSerialSketch},
	"blinky":        {},
}

// PersonaNames lists the application personas, sorted.
func PersonaNames() []string {
	var n []string
	for k := range personas {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func knownPersona(name string) bool { _, ok := personas[name]; return ok }

// findPersona returns the persona named by the marker in flash from off on.
func findPersona(flash []byte, off uint32) string {
	if int(off) >= len(flash) {
		return ""
	}
	area := flash[off:min(len(flash), int(off)+personaSearch)]
	i := bytes.Index(area, []byte(PersonaMarker))
	if i < 0 {
		return ""
	}
	name := area[i+len(PersonaMarker):]
	if j := bytes.IndexByte(name, 0); j >= 0 {
		name = name[:j]
	}
	if !knownPersona(string(name)) {
		return ""
	}
	return string(name)
}

// SampleApp is the sample application softdfu demo flashes on p, to be
// written at its flash base: 96 KiB of AppImage with the CircuitPython
// persona, so that the board answers as CircuitPython once it runs it.
func SampleApp(p *Part) []byte { return AppImage(p, "circuitpython", 96<<10) }

// AppImage returns a deterministic application image for a part: a valid
// vector table (initial stack at the end of SRAM, Thumb reset vector in
// flash), the marker of the given persona (none for ""), and filler up to
// size bytes. It is the factory firmware of simulated boards, and of
// SampleApp.
func AppImage(p *Part, personaName string, size int) []byte {
	if size < 1024 {
		size = 1024
	}
	img := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(len(personaName)), uint64(size)))
	for i := range img {
		img[i] = byte(rng.Uint32())
	}
	binary.LittleEndian.PutUint32(img[0:], uint32(p.SRAM.End()))
	handler := p.FlashBase + 0x200 + 1
	for v := 1; v < 16; v++ {
		binary.LittleEndian.PutUint32(img[4*v:], handler)
	}
	if personaName != "" && personaName != "blinky" {
		copy(img[0x100:], append([]byte(PersonaMarker+personaName), 0))
	}
	return img
}
