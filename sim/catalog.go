package sim

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/sim/mcu"
)

// Sector is one erasable unit of main flash.
type Sector struct {
	Address uint32
	Size    uint32
	// Bank is the option-byte block whose nWRP bit Bit protects the sector
	// (part.Chip.WRPBit; -1 when the model has no write protection for
	// the family).
	Bank, Bit int
}

// Region is a range of addresses [Start, Start+Size).
type Region struct {
	Start, Size uint32
}

// Contains reports whether addr lies in the region.
func (r Region) Contains(addr uint32) bool { return addr >= r.Start && addr-r.Start < r.Size }

// End returns the address just past the region.
func (r Region) End() uint64 { return uint64(r.Start) + uint64(r.Size) }

// Timing holds the flash timings of a part, typical and maximum: the
// chip database's datasheet figures (part.Timing).
type Timing = part.Timing

// ROMVersion describes what differs between versions of the ST ROM
// bootloader that a host can observe. UNVERIFIED values are model parameters.
type ROMVersion struct {
	// BCDDevice is the bcdDevice of the ROM's device descriptor
	// (0x2100 seen on an F407; 0x2200 on other F4 logs).
	BCDDevice uint16
	// PollMassErase is the bwPollTimeout reported for a mass erase; zero
	// means "report the typical mass-erase time". The F405/F407 ROM reports
	// 100 ms for an erase that takes seconds (docs/PROTOCOL.md section 3).
	PollMassErase time.Duration
	// PollProgram is the bwPollTimeout reported for a data block; zero
	// means the typical programming time of a full block (UNVERIFIED).
	PollProgram time.Duration
	// PollCommand is the bwPollTimeout reported for Set Address and Get
	// Commands (UNVERIFIED).
	PollCommand time.Duration
	// StartsInError makes the first GETSTATUS after the ROM starts answer
	// dfuERROR/errFIRMWARE, as some ROMs do (docs/PROTOCOL.md section 2).
	StartsInError bool
	// StallsWhilePolled reports too short a poll timeout for an erase
	// and stalls GETSTATUS until the erase is done (STM32L4).
	StallsWhilePolled bool
	// StaysBusy keeps answering dfuDNBUSY after an erase until two
	// CLRSTATUS (STM32H743 rev V).
	StaysBusy bool
	// LeavesWithoutStatus starts the application on the zero-length
	// DNLOAD of a leave, before any GETSTATUS (GD32).
	LeavesWithoutStatus bool
	// NoMassErase refuses a mass erase (STM32WB).
	NoMassErase bool
	// HSEMissProbability is the chance that the ROM misses the crystal at
	// start and resets the chip (old ROMs with a 12 MHz crystal).
	HSEMissProbability float64
	// HSEDetectTimeout is how long the ROM waits for the crystal at start:
	// 0.79 ms in the F405's ROM v3, 96 ms in v9 (AN2606 as quoted on ST's
	// forum, 2025: "STM32F405 HSE timeout is too short to enter DFU mode";
	// which bcdDevice is which version is UNVERIFIED: 0x2100 is taken as
	// the old ROM).
	HSEDetectTimeout time.Duration
}

// Part is an STM32F4 part number with everything the simulator needs,
// built from the chip database (package part).
type Part struct {
	Name string // "STM32F405RG"
	// Chip is the part's entry in the chip database, which provides the
	// flash map, RAM, option-byte blocks, timing and addresses.
	Chip      *part.Chip
	FlashBase uint32
	Sectors   []Sector
	SRAM      Region
	CCM       Region // Size 0 when the part has no CCM RAM
	// RAM lists every RAM an initial stack may point into.
	RAM []Region
	// OptionBlocks lists the option-byte blocks, bank 1 first, each
	// OptionSize bytes with the RDP byte at RDP.Offset.
	OptionBlocks []uint32
	OptionSize   int
	RDP          part.RDP
	// WRPBits is the number of nWRP bits per option block (0: the model
	// has no write protection for this family).
	WRPBits int
	// Reserved are flash ranges the ROM refuses to erase or write.
	Reserved []Region
	// WriteUnit is the flash word: a word can be programmed once after
	// an erase (32 bytes on STM32H7, RM0433 4.3.9: ECC per flash word).
	WriteUnit int
	// HasOTP is true when the ROM shows the STM32F2/F4 OTP and Device
	// Feature alternate settings (2 and 3).
	HasOTP bool
	// DefaultUID is the factory UID (12 bytes, memory order) of the first
	// board of this part; later boards get distinct ones.
	DefaultUID [12]byte
	ROM        ROMVersion
	// Layout strings of the ROM's alternate settings (iInterface), from
	// the chip database. Confirmed for STM32F4 by published `dfu-util -l`
	// logs: the F407 with bcdDevice 0x2100 ('g' letters), 512 KB
	// F401/F411/F446 and 1 MB F405/F407 parts with 0x2200 ('e' letters),
	// the F429 with both option banks. The 256 KB F401 string follows the
	// same pattern (UNVERIFIED); other families: docs/FAMILIES.md.
	AltNames []string
}

// FlashSize returns the size of main flash in bytes.
func (p *Part) FlashSize() uint32 {
	var n uint32
	for _, s := range p.Sectors {
		n += s.Size
	}
	return n
}

// Flash returns the main flash region.
func (p *Part) Flash() Region { return Region{p.FlashBase, p.FlashSize()} }

// SectorAt returns the index of the sector holding addr, or -1.
func (p *Part) SectorAt(addr uint32) int {
	for i, s := range p.Sectors {
		if addr >= s.Address && addr-s.Address < s.Size {
			return i
		}
	}
	return -1
}

// Addresses of fixed STM32F4 memory areas, from the chip database
// (RM0090 section 2.3 and 3.3); sizes of the simulated memories.
const (
	FlashBase     = part.FlashBase
	OTPDataSize   = 512
	OTPLockSize   = 16
	FeatureSize   = 4
	OptionBlockSz = 16
)

// Addresses of the STM32F4 memories the ROM shows, from the chip database.
var (
	SystemMemory = part.STM32F4.Entry.SystemMemory // ROM bootloader: initial MSP, then reset vector
	OTPBase      = part.STM32F4.OTP.Start          // OTPDataSize data bytes, then OTPLockSize lock bytes
	UIDAddress   = part.STM32F4.UID
)

// FeatureBase is the "Device Feature" alternate setting (UNVERIFIED
// content).
const FeatureBase = 0xFFFF0000

// newPart builds a simulated part from its entry in the chip database,
// with the ROM version bcd of its family.
func newPart(name string, bcd uint16, uid [12]byte) *Part {
	chip, _, ok := part.Lookup(name)
	if !ok {
		panic("sim: part " + name + " is not in the chip database")
	}
	return PartOf(name, chip, bcd, uid)
}

// PartOf builds a simulated part numbered name with the layout of chip
// from the chip database (for a part with more than one layout, such as
// an STM32F767ZI in dual-bank mode), its ROM version bcd and factory UID.
func PartOf(name string, chip *part.Chip, bcd uint16, uid [12]byte) *Part {
	v, ok := chip.Variant(name)
	if !ok {
		panic("sim: part " + name + " is not a variant of " + chip.Name)
	}
	f := chip.Family
	var secs []Sector
	for _, u := range chip.Flash {
		// The nWRP block and bit of the sector as the family lays them
		// out (STM32F7 dual bank: one bit for two sectors); -1 where the
		// model has no write protection.
		blk, bit := chip.WRPBit(u.Address)
		secs = append(secs, Sector{Address: u.Address, Size: u.Size, Bank: blk, Bit: bit})
	}
	rom := f.ROM(bcd)
	p := &Part{Name: name, Chip: chip, FlashBase: FlashBase, Sectors: secs, SRAM: Region(v.RAM[0]),
		ROM: romVersion(rom), DefaultUID: uid, OptionBlocks: chip.OptionBlocks, OptionSize: int(f.Options.Size),
		RDP: f.Options.RDP, WriteUnit: chip.WriteUnit, HasOTP: f.OTP.Size > 0, AltNames: chip.ROMString(rom)}
	if f.Options.Changeable() {
		p.WRPBits = f.Options.WRPBits
	}
	for _, r := range v.RAM {
		p.RAM = append(p.RAM, Region(r))
		if r.Start == 0x10000000 {
			p.CCM = Region(r)
		}
	}
	for _, r := range chip.Reserved {
		p.Reserved = append(p.Reserved, Region(r))
	}
	return p
}

// ROM versions. romOld is the F405/F407 ROM with bcdDevice 0x2100
// (bcdDevice 0x2100, 100 ms reported for a mass erase). Published logs show
// F405/F407 boards with 0x2200 ROMs as well; which one the Feather F405 and
// the F407 Discovery ship with is UNVERIFIED (docs/SIMULATOR.md).
const (
	romOld = 0x2100
	romNew = 0x2200
)

// romVersion builds a simulated ROM from the chip database's ROM version
// and its quirks; the Set Address poll timeout is a model parameter
// (UNVERIFIED).
func romVersion(r part.ROM) ROMVersion {
	q := r.Quirks
	detect := 96 * time.Millisecond
	if r.BCDDevice == romOld { // the STM32F4 ROM 0x2100; every other ROM waits long
		detect = 790 * time.Microsecond
	}
	return ROMVersion{BCDDevice: r.BCDDevice, PollMassErase: q.MassErasePoll, PollCommand: time.Millisecond, HSEDetectTimeout: detect,
		StallsWhilePolled: q.StallsWhilePolled, LeavesWithoutStatus: q.LeavesWithoutStatus, NoMassErase: q.NoMassErase}
	// StaysBusy depends on the chip's revision, not on the ROM's
	// bcdDevice: a board opts in (nucleo-h743zi2).
}

// Parts is the catalog of simulated parts, by part name. Flash maps from the
// reference manuals (docs/PROTOCOL.md section 4); RAM from the datasheets.
var Parts = map[string]*Part{
	"STM32F401CC": newPart("STM32F401CC", romNew, uid(0x00310041, 0x3137510d, 0x36363830)),
	"STM32F405RG": newPart("STM32F405RG", romOld, uid(0x002d0030, 0x3334510b, 0x32313533)),
	"STM32F407VG": newPart("STM32F407VG", romOld, uid(0x0028001f, 0x3137470e, 0x38343531)),
	"STM32F411CE": newPart("STM32F411CE", romNew, uid(0x00440026, 0x3039510c, 0x33383439)),
	"STM32F429ZI": newPart("STM32F429ZI", romNew, uid(0x0030002a, 0x3236470f, 0x33363531)),
	"STM32F446RE": newPart("STM32F446RE", romNew, uid(0x00370044, 0x3436510a, 0x30383237)),
	// The other families (docs/FAMILIES.md); made-up UIDs.
	"STM32F207ZG": newPart("STM32F207ZG", romNew, uid(0x00210033, 0x3235470a, 0x31373031)),
	"STM32F722ZE": newPart("STM32F722ZE", romNew, uid(0x00420025, 0x3338510c, 0x34303433)),
	"STM32F767ZI": newPart("STM32F767ZI", romNew, uid(0x00470030, 0x3237510b, 0x32353636)),
	"STM32H743ZI": newPart("STM32H743ZI", 0x0200, uid(0x001e0041, 0x3239510d, 0x38393035)),
	"STM32L476RG": newPart("STM32L476RG", romNew, uid(0x0038002b, 0x3535470e, 0x20363146)),
	"STM32G0B1RE": newPart("STM32G0B1RE", romNew, uid(0x00240031, 0x3231500d, 0x20373554)),
	"STM32G431RB": newPart("STM32G431RB", romNew, uid(0x00330027, 0x3431500f, 0x20383747)),
	"STM32WB55RG": newPart("STM32WB55RG", romNew, uid(0x00450029, 0x3333510a, 0x30313441)),
	"AT32F437ZM":  newPart("AT32F437ZM", 0x0200, uid(0x11223344, 0x55667788, 0x99aabbcc)),
	"GD32F405RG":  newPart("GD32F405RG", 0x0100, uid(0x20313233, 0x34353637, 0x38393a3b)),
	"APM32F407IG": newPart("APM32F407IG", romNew, uid(0x41424344, 0x45464748, 0x494a4b4c)),
}

func uid(w0, w1, w2 uint32) [12]byte {
	var b [12]byte
	for i, w := range []uint32{w0, w1, w2} {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
	}
	return b
}

// BoardModel is a board people buy: a part, its crystal and its factory
// application.
type BoardModel struct {
	Name     string
	Part     *Part
	HSEMHz   int // crystal frequency; 0 = none (HSI only or bypass)
	Factory  string
	ROMQuirk func(*ROMVersion)
	// Builds are the USB identities of the firmware builds published for
	// this board, by persona name; a persona without one shows its
	// generic identity.
	Builds map[string]USBIdentity
}

// USBIdentity is what a firmware build shows in its device descriptor.
type USBIdentity struct {
	Vendor, Product uint16
	Manufacturer    string
	ProductName     string
}

// CircuitPython's STM builds for the Nucleo-F767ZI and Nucleo-H743ZI2
// (ports/stm/boards/nucleo_f767zi and nucleo_h743zi_2, mpconfigboard.mk).
var (
	cpyNucleoF767 = map[string]USBIdentity{"circuitpython": {0x239A, 0x809A, "STMicroelectronics", "Nucleo F767ZI - CPy"}}
	cpyNucleoH743 = map[string]USBIdentity{"circuitpython": {0x239A, 0x8098, "STMicroelectronics", "Nucleo H743ZI - CPy"}}
)

// Boards is the catalog of simulated boards, by board name.
var Boards = map[string]*BoardModel{
	"nucleo-f446re":  {Name: "nucleo-f446re", Part: Parts["STM32F446RE"], HSEMHz: 8, Factory: "circuitpython"},
	"feather-f405":   {Name: "feather-f405", Part: Parts["STM32F405RG"], HSEMHz: 12, Factory: "circuitpython", ROMQuirk: featherROM},
	"discovery-f407": {Name: "discovery-f407", Part: Parts["STM32F407VG"], HSEMHz: 8, Factory: "circuitpython"},
	"blackpill-f411": {Name: "blackpill-f411", Part: Parts["STM32F411CE"], HSEMHz: 25, Factory: "circuitpython"},
	"blackpill-f401": {Name: "blackpill-f401", Part: Parts["STM32F401CC"], HSEMHz: 25, Factory: "circuitpython"},
	"discovery-f429": {Name: "discovery-f429", Part: Parts["STM32F429ZI"], HSEMHz: 8, Factory: "circuitpython"},
	// One board per other family, named after a real product; the
	// Nucleo boards take 8 MHz from the ST-LINK's MCO (their user manuals).
	"nucleo-f207zg": {Name: "nucleo-f207zg", Part: Parts["STM32F207ZG"], HSEMHz: 8, Factory: "micropython"},
	"nucleo-f722ze": {Name: "nucleo-f722ze", Part: Parts["STM32F722ZE"], HSEMHz: 8, Factory: "micropython"},
	"nucleo-f767zi": {Name: "nucleo-f767zi", Part: Parts["STM32F767ZI"], HSEMHz: 8, Factory: "micropython", Builds: cpyNucleoF767},
	"nucleo-h743zi": {Name: "nucleo-h743zi", Part: Parts["STM32H743ZI"], HSEMHz: 8, Factory: "micropython"},
	// NUCLEO-H743ZI2 carries a rev V chip, whose ROM stays in dfuDNBUSY
	// after an erase (part.Quirks.StaysBusy).
	"nucleo-h743zi2": {Name: "nucleo-h743zi2", Part: Parts["STM32H743ZI"], HSEMHz: 8, Factory: "micropython", ROMQuirk: func(r *ROMVersion) { r.StaysBusy = true }, Builds: cpyNucleoH743},
	"nucleo-l476rg":  {Name: "nucleo-l476rg", Part: Parts["STM32L476RG"], HSEMHz: 8, Factory: "micropython"},
	"nucleo-g0b1re":  {Name: "nucleo-g0b1re", Part: Parts["STM32G0B1RE"], HSEMHz: 8, Factory: "micropython"},
	"nucleo-g431rb":  {Name: "nucleo-g431rb", Part: Parts["STM32G431RB"], HSEMHz: 24, Factory: "micropython"},
	"nucleo-wb55":    {Name: "nucleo-wb55", Part: Parts["STM32WB55RG"], HSEMHz: 32, Factory: "micropython"},
	"at-start-f437":  {Name: "at-start-f437", Part: Parts["AT32F437ZM"], HSEMHz: 8, Factory: "micropython"},
	"gd32f405-fc":    {Name: "gd32f405-fc", Part: Parts["GD32F405RG"], HSEMHz: 8, Factory: "micropython"},
	"apm32f407-mini": {Name: "apm32f407-mini", Part: Parts["APM32F407IG"], HSEMHz: 8, Factory: "micropython"},
}

// featherROM: the F405 on the Adafruit Feather has a 12 MHz crystal that
// old ROM versions detect only marginally: about 5 of 12 starts succeed
// (docs/PROTOCOL.md section 1), and its ROM answers the first GETSTATUS with an
// error.
func featherROM(r *ROMVersion) {
	r.HSEMissProbability = 7.0 / 12
	r.StartsInError = true
}

// ROMVersion returns the ROM the board's chip runs, its quirks applied.
func (m *BoardModel) ROMVersion() ROMVersion {
	r := m.Part.ROM
	if m.ROMQuirk != nil {
		m.ROMQuirk(&r)
	}
	return r
}

// HSE returns the board's crystal as its ROM sees it at start-up.
func (m *BoardModel) HSE() mcu.HSE {
	r := m.ROMVersion()
	return mcu.HSE{Hz: uint32(m.HSEMHz) * 1_000_000, DetectTimeout: r.HSEDetectTimeout, MissProbability: r.HSEMissProbability}
}

// ErrUnknownBoard is wrapped by the errors for a board name the catalog
// does not have.
var ErrUnknownBoard = errors.New("unknown board")

// LookupBoard returns the catalog board with that name, or an error that
// lists the catalog's names.
func LookupBoard(name string) (*BoardModel, error) {
	if m := Boards[name]; m != nil {
		return m, nil
	}
	return nil, fmt.Errorf("%w %q: known boards are %s", ErrUnknownBoard, name, strings.Join(BoardNames(), ", "))
}

// BoardNames returns the catalog's board names, sorted.
func BoardNames() []string {
	var names []string
	for n := range Boards {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CatalogEntry is a board of the catalog as a document lists it.
type CatalogEntry struct {
	Board   string `json:"board"`
	Part    string `json:"part"`
	FlashKB uint32 `json:"flash_kib"`
	Sectors int    `json:"sectors"`
	SRAMKB  uint32 `json:"sram_kib"`
	CCMKB   uint32 `json:"ccm_kib"`
	HSEMHz  int    `json:"hse_mhz"`
	ROM     string `json:"rom_bcd_device"` // the ROM's bcdDevice, 0x....
	Factory string `json:"factory_app"`
}

// Catalog lists the catalog's boards by name.
func Catalog() []CatalogEntry {
	var out []CatalogEntry
	for _, n := range BoardNames() {
		m := Boards[n]
		p := m.Part
		out = append(out, CatalogEntry{n, p.Name, p.FlashSize() >> 10, len(p.Sectors), p.SRAM.Size >> 10, p.CCM.Size >> 10, m.HSEMHz, fmt.Sprintf("0x%04x", p.ROM.BCDDevice), m.Factory})
	}
	return out
}

// DatasheetTiming returns the typical flash timings the simulator uses
// (the chip database's STM32F4 figures): erase time by sector size and the
// time to program one 32-bit word, at 2.7-3.6 V (x32) or, with lowVoltage,
// 1.8-2.1 V (x8).
func DatasheetTiming(lowVoltage bool) (sectorErase map[uint32]time.Duration, wordProgram time.Duration) {
	t := part.STM32F4.Timing
	if lowVoltage {
		t = part.STM32F4.LowVoltage
	}
	sectorErase = map[uint32]time.Duration{}
	for size, tm := range t.Erase {
		sectorErase[size] = tm[0]
	}
	return sectorErase, t.WordProgram[0]
}
