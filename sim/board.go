package sim

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
	"github.com/softdfu/softdfu/usb"
)

// Run says what a board's CPU is doing.
type Run int

// What a board can be running.
const (
	RunOff  Run = iota // in reset or unpowered
	RunROM             // the ROM DfuSe bootloader, enumerated on USB
	RunApp             // an application from flash
	RunHung            // stuck: a broken image, a failed jump
)

// String names the state as softdfu sim's console and info print it.
func (r Run) String() string {
	names := [...]string{"off", "rom-bootloader", "application", "hung"}
	if r < 0 || int(r) >= len(names) {
		return fmt.Sprintf("Run(%d)", int(r))
	}
	return names[r]
}

// RunState is what a board runs and why.
type RunState struct {
	Run Run
	// Persona names the application persona when Run is RunApp ("" for a
	// generic application without USB).
	Persona string
	// Reason explains RunHung.
	Reason string
	// Boots counts starts since power-on (resets included).
	Boots int
}

// Board is one simulated board on a port of a World.
type Board struct {
	model *BoardModel
	part  *Part
	rom   ROMVersion
	uid   [12]byte
	port  string
	world *World
	opts  Options
	usb   USBTiming
	clock *Clock
	rng   *rand.Rand

	mu     sync.Mutex
	mem    *memory
	boot0  bool
	state  RunState
	gadget usb.Gadget
	// enumerations counts devices the board has presented on USB; it
	// makes the bus address change on every re-enumeration.
	enumerations int

	// chip is the core that runs the boot flow (see boot.go); fw is the
	// run-mode library the application personas run on it.
	chip *mcu.Chip
	fw   *stm32f4.Device
	// hangReason explains the next hang in the board's terms; jumpAddr is
	// the vector table a jump starts (the ROM's leave).
	hangReason string
	jumpAddr   uint32
}

// Model returns the board's catalog entry.
func (b *Board) Model() *BoardModel { return b.model }

// Part returns the board's part.
func (b *Board) Part() *Part { return b.part }

// Port returns the board's port path on the bus ("1-1").
func (b *Board) Port() string { return b.port }

// UID returns the chip's 96-bit unique ID in memory order.
func (b *Board) UID() [12]byte { return b.uid }

// Facts is what only the simulation knows of a board: a real ROM does not
// tell the exact part or the full UID.
type Facts struct {
	Board string `json:"board"`
	Note  string `json:"note"`
	Part  string `json:"part"`
	UID   string `json:"uid"`
}

// Facts returns the board's model, part and UID (part.UIDHex).
func (b *Board) Facts() Facts {
	return Facts{Board: b.model.Name, Part: b.part.Name, UID: part.UIDHex(b.uid),
		Note: "known only because the board is simulated: a real ROM does not tell the exact part or the full UID"}
}

// String says the facts in a line for people.
func (f Facts) String() string {
	return fmt.Sprintf("simulated: %s on %s, UID %s (known only because the board is simulated)", f.Part, f.Board, f.UID)
}

// Clock returns the board's simulated clock.
func (b *Board) Clock() *Clock { return b.clock }

// ROM returns the board's ROM version.
func (b *Board) ROM() ROMVersion { return b.rom }

// ROMSerial returns the serial number the ROM bootloader reports, by the
// rule of the chip database (part.Family.ROMSerial).
func (b *Board) ROMSerial() string { return b.part.Chip.Family.ROMSerial(b.uid) }

// ROMSerial computes the ROM bootloader's serial number from a UID (ST's
// rule, part.ROMSerial).
func ROMSerial(uid [12]byte) string { return part.ROMSerial(uid) }

// UIDSerial returns the UID as CircuitPython reports it as its USB serial:
// the 12 bytes in memory order, in upper-case hex (part.UIDHex).
func UIDSerial(uid [12]byte) string { return part.UIDHex(uid) }

// State returns what the board runs now.
func (b *Board) State() RunState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// Gadget returns the USB device the board presents now, or nil.
func (b *Board) Gadget() usb.Gadget {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gadget
}

// SetBoot0 sets the BOOT0 pin. It takes effect at the next reset.
func (b *Board) SetBoot0(high bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.boot0 = high
	b.chip.SetBOOT0(high)
}

// Reset presses the reset button: the board leaves the bus and starts
// again from BOOT0 (ROM bootloader) or from flash.
func (b *Board) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onChip(func() { b.chip.PinReset() })
}

// Flash returns a copy of main flash.
func (b *Board) Flash() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.mem.flash...)
}

// WriteFlash stores data in main flash directly, as a debug probe would
// (no timing, no protection). For setting up test scenarios.
func (b *Board) WriteFlash(addr uint32, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.mem.inFlash(addr, len(data)) {
		return fmt.Errorf("sim: 0x%08x+%d is outside the flash of %s", addr, len(data), b.part.Name)
	}
	copy(b.mem.flash[addr-b.part.FlashBase:], data)
	return nil
}

// OptionBytes returns a copy of the first 16 bytes of option block i (0 =
// bank 1; the whole block on STM32F2/F4).
func (b *Board) OptionBytes(i int) [OptionBlockSz]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	var v [OptionBlockSz]byte
	copy(v[:], b.mem.options[i])
	return v
}

// SetOptionBytes replaces the first 16 bytes of option block i directly,
// as a debug probe would. It takes effect at the next reset, as on the
// chip.
func (b *Board) SetOptionBytes(i int, v [OptionBlockSz]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	copy(b.mem.options[i], v[:])
}

// OptionBlock returns a copy of the whole option block i (0 = bank 1):
// 32 bytes on STM32F7, the family's block size elsewhere.
func (b *Board) OptionBlock(i int) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.mem.options[i]...)
}

// SetOptionBlock replaces the start of option block i directly with v, as
// a debug probe would; it takes effect at the next reset, as on the chip.
func (b *Board) SetOptionBlock(i int, v []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	copy(b.mem.options[i], v)
}

// RDPLevel returns the read-protection level 0, 1 or 2.
func (b *Board) RDPLevel() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mem.rdpLevel()
}

// setGadget replaces the enumerated device. Call with b.mu held.
func (b *Board) setGadget(g usb.Gadget) {
	if old := b.gadget; old != nil {
		if d, ok := old.(interface{ detach() }); ok {
			d.detach()
		}
	}
	b.gadget = g
	if g != nil {
		b.enumerations++
	}
	b.world.notify()
}

// jump is the ROM's leave: it starts the vector table at addr without a
// reset. A vector table that cannot run leaves the chip hung, silent on
// USB, like a real chip. Call with b.mu held.
func (b *Board) jump(addr uint32) {
	b.onChip(func() {
		if reason := b.checkVectors(addr); reason != "" {
			b.hangReason = reason
			b.chip.Jump(0) // an even address: the CPU faults, as it would on garbage
			return
		}
		msp, _ := b.mem.word(addr)
		pc, _ := b.mem.word(addr + 4)
		b.jumpAddr = addr
		b.chip.SetMSP(msp)
		b.chip.Jump(pc)
	})
}

// checkVectors returns why the vector table at addr cannot boot, or "".
// docs/PROTOCOL.md section 4: the initial MSP lies in (RAM start, RAM end] of SRAM
// or CCM RAM, the reset vector is odd (Thumb) and points into flash.
func (b *Board) checkVectors(addr uint32) string {
	msp, ok1 := b.mem.word(addr)
	pc, ok2 := b.mem.word(addr + 4)
	if !ok1 || !ok2 {
		return fmt.Sprintf("no vector table at 0x%08x: not in flash", addr)
	}
	if msp == 0xFFFFFFFF && pc == 0xFFFFFFFF {
		return fmt.Sprintf("flash at 0x%08x is erased: no application", addr)
	}
	if !stackOK(b.part, msp) {
		return fmt.Sprintf("initial stack pointer 0x%08x at 0x%08x is not in RAM", msp, addr)
	}
	if pc&1 == 0 {
		return fmt.Sprintf("reset vector 0x%08x at 0x%08x is not a Thumb address (bit 0 clear)", pc, addr+4)
	}
	if !b.part.Flash().Contains(pc &^ 1) {
		return fmt.Sprintf("reset vector 0x%08x at 0x%08x points outside flash", pc, addr+4)
	}
	return ""
}

// stackOK: an initial stack in (start, end] of SRAM or CCM RAM.
func stackOK(p *Part, msp uint32) bool {
	in := func(r Region) bool {
		return r.Size > 0 && msp > r.Start && uint64(msp) <= r.End()
	}
	for _, r := range p.RAM {
		if in(r) {
			return true
		}
	}
	return in(p.SRAM) || in(p.CCM)
}

// leave is the ROM's jump after a zero-length DNLOAD.
func (b *Board) leave(addr uint32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setGadget(nil)
	b.state.Boots++
	b.jump(addr)
}

// record writes a transcript line when the world has a transcript.
func (b *Board) record(s usb.Setup, out, in []byte, err error) {
	b.world.record(b, s, out, in, err)
}

// eraseTime returns how long erasing n bytes of sector takes.
func (b *Board) eraseTime(size uint32) time.Duration {
	return b.pick(b.timing().Erase[size])
}

func (b *Board) timing() Timing {
	if b.opts.LowVoltage {
		return b.part.Chip.Family.LowVoltage
	}
	return b.part.Chip.Family.Timing
}

// pick returns the typical time, or with jitter a time between typical
// and maximum.
func (b *Board) pick(tm [2]time.Duration) time.Duration {
	if !b.opts.Jitter {
		return tm[0]
	}
	return tm[0] + time.Duration(b.rng.Int64N(int64(tm[1]-tm[0])+1))
}

// programTime returns the time to program n bytes.
func (b *Board) programTime(n int, typical bool) time.Duration {
	words := time.Duration((n + 3) / 4)
	tm := b.timing().WordProgram
	if typical {
		return words * tm[0]
	}
	return words * b.pick(tm)
}
