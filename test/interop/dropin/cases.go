// Package dropin compares softdfu's dfu-util drop-in with Debian's
// dfu-util 0.11 in the interop VM (package interop): the same command lines
// from the same simulated board state. Its test boots the VM only with
// SOFTDFU_INTEROP=1:
//
//	SOFTDFU_INTEROP=1 go test -v ./test/interop/dropin/
package dropin

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/dfuse"
	"github.com/softdfu/softdfu/firmware/suffix"
	"github.com/softdfu/softdfu/sim"
)

// DropInBoard is the board the dfu-util drop-in comparison runs on: a
// Discovery F407 (1 MB: 4x16K, 64K, 7x128K sectors) held in its ROM
// bootloader.
const DropInBoard = "discovery-f407"

// DropInCase is one dfu-util command line run by real dfu-util 0.11 and by
// softdfu started as dfu-util, each from the same board state.
type DropInCase struct {
	Name string
	// Args is the command line after "dfu-util", in shell syntax (no $).
	Args string
	// Start names the starting flash content: "factory" (the board as
	// it ships), "random" (1 MB of noise), "app" (a 40 KB CircuitPython
	// application over noise) or "runtime" (an application with a DFU
	// run-time interface over noise).
	Start string
	// ReadOnly cases leave the board as it was: both tools run in one
	// attach session and the board is checked once against its start.
	ReadOnly bool
	// Leave marks cases that end with a leave: dfu-util may exit 74
	// there (the board drops off the bus), softdfu must exit 0.
	Leave bool
	// Keep marks downloads that end inside a sector: dfu-util erases the
	// rest of that sector, softdfu keeps what it held.
	Keep bool
	// Exists creates the upload file before the run.
	Exists bool
	// Want is dfu-util's expected exit code (checked so that each case
	// tests what it says); -1 for "0 or 74" (leave).
	Want int
	// App starts the board in its application (BOOT0 low) instead of the
	// ROM bootloader.
	App bool
	// Improves names a case where softdfu does what dfu-util cannot: its
	// exit code is then SoftRC and the board must end in SoftRun while
	// dfu-util leaves it in its application.
	Improves string
	SoftRC   int
	SoftRun  sim.Run
}

// DropInCases are the comparison's cases.
func DropInCases() []DropInCase {
	opt := "'@Option Bytes  /0x1FFFC000/01*016 g'"
	return []DropInCase{
		{Name: "list", Args: "-l", ReadOnly: true},
		{Name: "list-alt", Args: "-l -a 0", ReadOnly: true},
		{Name: "list-alt-name", Args: "-l -a " + opt, ReadOnly: true},
		{Name: "list-vidpid", Args: "-l -d 0483:df11", ReadOnly: true},
		{Name: "list-dfu-vidpid", Args: "-l -d ,0483:df11", ReadOnly: true},
		{Name: "list-other-vidpid", Args: "-l -d ,1234:5678", ReadOnly: true},
		{Name: "list-runtime-only", Args: "-l -d 1234:5678", ReadOnly: true},
		{Name: "list-serial", Args: "-l -S nosuchserial", ReadOnly: true},
		{Name: "list-path", Args: "-l -p 9-9", ReadOnly: true},
		{Name: "version", Args: "-V", ReadOnly: true},
		{Name: "no-mode", Args: "-a 0", ReadOnly: true, Want: 64},
		{Name: "bad-option", Args: "-x -l", ReadOnly: true, Want: 64},
		{Name: "bad-number", Args: "-t 12x -a 0 -s 0x08000000 -D app.bin", ReadOnly: true, Want: 64},
		{Name: "stray-arg", Args: "-l extra", ReadOnly: true, Want: 64},
		{Name: "no-alt", Args: "-s 0x08000000 -D app.bin", ReadOnly: true, Want: 74},
		{Name: "no-address", Args: "-a 0 -D app.bin", ReadOnly: true, Want: 64},
		{Name: "bad-modifier", Args: "-a 0 -s 0x08000000:bogus -D app.bin", ReadOnly: true, Want: 64},
		{Name: "not-writeable", Args: "-a 0 -s 0x07000000 -D small.bin", ReadOnly: true, Want: 64},
		{Name: "no-file", Args: "-a 0 -s 0x08000000 -D nosuch.bin", ReadOnly: true, Want: 66},
		{Name: "mass-erase-unforced", Args: "-a 0 -s :mass-erase", ReadOnly: true, Want: 64},
		{Name: "unprotect-unforced", Args: "-a 0 -s :unprotect", ReadOnly: true, Want: 64},
		{Name: "upload-length", Args: "-a 0 -s 0x08000000:4096 -U up.bin", Start: "app", ReadOnly: true},
		{Name: "upload-segment", Args: "-a 0 -s 0x08010000 -U up.bin", Start: "random", ReadOnly: true},
		{Name: "upload-no-address", Args: "-a 0 -U up.bin", Start: "random", ReadOnly: true},
		{Name: "upload-option-bytes", Args: "-a 1 -s 0x1FFFC000:16 -U up.bin", ReadOnly: true},
		{Name: "upload-exists", Args: "-a 0 -s 0x08000000:16 -U up.bin", ReadOnly: true, Exists: true, Want: 73},
		{Name: "detach-dfu-mode", Args: "-e -a 0", ReadOnly: true},
		{Name: "download", Args: "-a 0 -s 0x08000000 -D app.bin", Start: "random", Keep: true},
		{Name: "download-leave", Args: "-a 0 -s 0x08000000:leave -D app.bin", Start: "random", Keep: true, Leave: true, Want: -1},
		{Name: "download-sectors", Args: "-a 0 -s 0x08000000 -D two-sectors.bin", Start: "random"},
		{Name: "download-middle", Args: "-a 0 -s 0x08005000 -D small.bin", Start: "random", Keep: true},
		{Name: "download-128K-sector", Args: "-a 0 -s 0x08020000 -D small.bin", Start: "random", Keep: true},
		{Name: "download-transfer-size", Args: "-a 0 -t 1024 -s 0x08000000 -D small.bin", Start: "random", Keep: true},
		{Name: "download-suffix-ids", Args: "-a 0 -s 0x08000000 -D other-ids.bin", Start: "random", Keep: true},
		{Name: "download-dfuse-file", Args: "-D app.dfu", Start: "random", Keep: true},
		{Name: "download-reset", Args: "-a 0 -s 0x08000000 -R -D small.bin", Start: "random", Keep: true},
		{Name: "download-classic", Args: "-a 0 -s 0x08000000 -D app.bin", Start: "random"},
		{Name: "mass-erase-download", Args: "-a 0 -s 0x08000000:mass-erase:force -D app.bin", Start: "random"},
		{Name: "leave", Args: "-a 0 -s :leave", Start: "app", Leave: true, Want: -1},
		{Name: "leave-address", Args: "-a 0 -s 0x08000000:leave", Start: "app", Leave: true, Want: -1},
		{Name: "detach-circuitpython", Args: "-e", Start: "app", App: true, Want: 74,
			Improves: "enters the bootloader of a board running CircuitPython", SoftRun: sim.RunROM},
		{Name: "list-circuitpython", Args: "-l", Start: "app", App: true, ReadOnly: true},
		{Name: "list-runtime", Args: "-l", Start: "runtime", App: true, ReadOnly: true},
		{Name: "detach-runtime", Args: "-e", Start: "runtime", App: true},
		{Name: "download-circuitpython", Args: "-a 0 -s 0x08000000:leave -D app.bin", Start: "app", App: true, Want: 74,
			Improves: "enters CircuitPython's bootloader, finds every sector unchanged, leaves", SoftRun: sim.RunApp},
	}
}

// Classic reports whether the case runs softdfu with its improvements off.
func (c DropInCase) Classic() bool { return c.Name == "download-classic" }

// dropInFiles are the input files every case finds in its directory.
func dropInFiles(p *sim.Part) map[string][]byte {
	app := sim.AppImage(p, "circuitpython", 40*1024+7)
	small := noise(3, 4000)
	two := noise(4, 32*1024)
	// A DFU suffix naming another device (1234:5678): dfu-util strips it
	// and still writes to the ST ROM (its IDs only narrow the run-time
	// match).
	other := suffix.Append(append([]byte(nil), small...), suffix.Suffix{Vendor: 0x1234, Product: 0x5678, Device: 0xffff, DFU: suffix.DFU11})
	d, err := dfuse.Marshal(&firmware.Image{Segments: []firmware.Segment{{Address: p.FlashBase, Data: app}}}, dfuse.Options{})
	if err != nil {
		panic(err)
	}
	return map[string][]byte{"app.bin": app, "small.bin": small, "two-sectors.bin": two, "other-ids.bin": other, "app.dfu": d}
}

// dropInStart is the starting flash content for a case.
func dropInStart(p *sim.Part, factory []byte, start string) []byte {
	switch start {
	case "random":
		return noise(1, len(factory))
	case "app", "runtime":
		persona := map[string]string{"app": "circuitpython", "runtime": "runtime"}[start]
		b := noise(2, len(factory))
		copy(b, sim.AppImage(p, persona, 40*1024+7))
		return b
	}
	return bytes.Clone(factory)
}

// noise is deterministic pseudo-random bytes.
func noise(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 18))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b
}
