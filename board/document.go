package board

import (
	"context"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/optionbytes"
	"github.com/softdfu/softdfu/part"
)

// Document is a Description as front ends show it (softdfu info --json):
// the board's names, its ROM, the part inferred from the flash layout,
// the memory map of every alternate setting and the option bytes. The
// JSON field names are stable and in sorted order.
type Document struct {
	Alts       []AltDocument `json:"alt_settings"`
	Functional string        `json:"functional"`
	Host       string        `json:"host"`
	ID         string        `json:"id"`
	// OptionBytes has one entry per option-byte block; nil when the
	// board has no option-byte alternate setting.
	OptionBytes []OptionBlockDocument `json:"option_bytes"`
	// Part is the chip's name, or the flash's shape when the chip
	// database does not know the layout.
	Part    string `json:"part_inferred"`
	Path    string `json:"path"`
	Product string `json:"product"`
	// ROM is the bcdDevice of the device descriptor: the ROM bootloader's
	// version.
	ROM    string `json:"rom_bcd_device"`
	Serial string `json:"serial"`
	// OptionLines describe the decoded option bytes for people
	// (OptionBytes.Lines); nil without option bytes.
	OptionLines []string `json:"-"`
}

// AltDocument is one alternate setting: its number, the string the ROM
// shows and, when that is a memory map, the map as package dfu reads it.
type AltDocument struct {
	Alt    int    `json:"alt"`
	Name   string `json:"name"`
	Layout string `json:"layout"`
}

// OptionBlockDocument is one option-byte block in a Document: the raw
// bytes and, in the first block, the read protection, the USER byte and
// the write-protected sectors or pages of the whole chip (numbered as in
// the flash layout).
type OptionBlockDocument struct {
	Address  string `json:"address"`
	Raw      string `json:"raw"`
	RDP      string `json:"rdp,omitempty"`
	Level    *int   `json:"rdp_level,omitempty"`
	User     string `json:"user,omitempty"`
	NWRP     string `json:"nwrp,omitempty"`
	Protects []int  `json:"write_protected_sectors"`
	Unknown  string `json:"write_protection_unknown,omitempty"`
}

// Document describes the session's board as front ends show it
// (Session.Describe, then Description.Document); nothing is written.
func (s *Session) Document(ctx context.Context) (Document, error) {
	d, err := s.Describe(ctx)
	if err != nil {
		return Document{}, err
	}
	return d.Document(Describe(ctx, s.Host, s.Board)), nil
}

// Document returns the description of b (Describe of the session's
// board) as front ends show it.
func (d *Description) Document(b Board) Document {
	doc := Document{Path: b.Path, Host: b.Host, ID: b.ID, Serial: b.Serial, Product: b.Product,
		ROM:        fmt.Sprintf("0x%04x", b.Info.Descriptors.Device.Device),
		Functional: d.Functional.String(), Part: d.Chip.Name}
	if !d.Known {
		doc.Part = "unknown STM32F4 (flash " + d.Chip.Shape() + ")"
	}
	for _, a := range d.Alts {
		desc := a.Name
		if a.Layout != nil {
			desc = a.Layout.String()
		}
		doc.Alts = append(doc.Alts, AltDocument{int(a.Number), a.Name, desc})
	}
	doc.OptionBytes = d.OptionBytes.BlockDocuments(d.Chip, d.Flash)
	if d.OptionBytes != nil {
		doc.OptionLines = d.OptionBytes.Lines(d.Chip, doc.OptionBytes[0].Protects)
	}
	return doc
}

// BlockDocuments describes each option-byte block for a Document, with
// the write-protected sectors among flash's (of chip's internal flash).
func (o *OptionBytes) BlockDocuments(chip *part.Chip, flash Layout) []OptionBlockDocument {
	if o == nil {
		return nil
	}
	prot := o.Protection()
	var out []OptionBlockDocument
	for i, raw := range o.Raw {
		b := OptionBlockDocument{Address: fmt.Sprintf("0x%08x", o.Addrs[i]), Raw: fmt.Sprintf("% x", raw), Protects: []int{}}
		if i < len(o.Blocks) {
			b.NWRP = fmt.Sprintf("0x%04x", o.Blocks[i].NWRP)
		}
		if i == 0 {
			// RDP and USER live in the first block only; RM0090 table 17
			// calls those bytes of the bank-2 block unused.
			if prot.HasRDP {
				b.RDP, b.Level = fmt.Sprintf("0x%02x", prot.RDP), ptrTo(prot.Level)
			}
			if len(o.Blocks) > 0 {
				b.User = fmt.Sprintf("0x%02x", o.Blocks[0].User)
			}
			for _, s := range o.Protected(chip, flash.All()) {
				b.Protects = append(b.Protects, s.Index)
			}
			b.Unknown = prot.Unknown
		}
		out = append(out, b)
	}
	return out
}

// OptionDocument is a board's option bytes as front ends show them
// (softdfu option-bytes --json): the read protection, the USER byte and
// what it sets, BOOT_ADD0/BOOT_ADD1 on STM32F7, the write-protected
// sectors or pages and every block's raw bytes. The JSON field names are
// stable and in sorted order.
type OptionDocument struct {
	Blocks []RawBlockDocument `json:"blocks"`
	// BootAdd0 and BootAdd1: STM32F7 only.
	BootAdd0 string `json:"boot_add0,omitempty"`
	BootAdd1 string `json:"boot_add1,omitempty"`
	// BORLevel and User: on the families whose blocks are decoded.
	BORLevel  string `json:"bor_level,omitempty"`
	RDP       string `json:"rdp"`
	Level     int    `json:"rdp_level"`
	User      string `json:"user,omitempty"`
	Protected []int  `json:"write_protected_sectors"`
	Unknown   string `json:"write_protection_unknown,omitempty"`
	// Lines describe the decoded option bytes for people (Lines).
	Lines []string `json:"-"`
}

// RawBlockDocument is one option-byte block of an OptionDocument: where
// it was read, its bytes and, where decoded, its nWRP word.
type RawBlockDocument struct {
	Address string `json:"address"`
	NWRP    string `json:"nwrp,omitempty"`
	Raw     string `json:"raw"`
}

// Document describes the option bytes, with the write-protected sectors
// among flash's (of chip's internal flash).
func (o *OptionBytes) Document(chip *part.Chip, flash Layout) OptionDocument {
	prot := o.Protection()
	doc := OptionDocument{RDP: fmt.Sprintf("0x%02x", prot.RDP), Level: prot.Level, Protected: []int{}, Unknown: prot.Unknown}
	for _, sec := range o.Protected(chip, flash.All()) {
		doc.Protected = append(doc.Protected, sec.Index)
	}
	if len(o.Blocks) > 0 {
		b0 := o.Blocks[0]
		doc.User, doc.BORLevel = fmt.Sprintf("0x%02x", b0.User), b0.BORLevel()
		if b0.Layout == optionbytes.F7 {
			doc.BootAdd0, doc.BootAdd1 = fmt.Sprintf("0x%04x", b0.BootAdd[0]), fmt.Sprintf("0x%04x", b0.BootAdd[1])
		}
	}
	for i, raw := range o.Raw {
		b := RawBlockDocument{Address: fmt.Sprintf("0x%08x", o.Addrs[i]), Raw: fmt.Sprintf("% x", raw)}
		if i < len(o.Blocks) {
			b.NWRP = fmt.Sprintf("0x%04x", o.Blocks[i].NWRP)
		}
		doc.Blocks = append(doc.Blocks, b)
	}
	doc.Lines = o.Lines(chip, doc.Protected)
	return doc
}

// Lines describe decoded option bytes for people, one line each: the
// family's fields where softdfu knows them, the read protection and the
// write-protected units (protected, numbered as in the flash layout).
func (o *OptionBytes) Lines(chip *part.Chip, protected []int) []string {
	prot := o.Protection()
	var lines []string
	if len(o.Blocks) > 0 {
		for _, line := range strings.Split(o.Blocks[0].Describe(), "\n") {
			if !strings.HasPrefix(line, "nWRP") || len(o.Blocks) == 1 {
				lines = append(lines, line)
			}
		}
		if len(o.Blocks) == 1 && o.Blocks[0].Layout == optionbytes.F4 {
			return lines
		}
	} else if prot.HasRDP {
		lines = append(lines, fmt.Sprintf("RDP 0x%02x: read protection level %d (%s: softdfu shows its protection, it does not change %s option bytes)", prot.RDP, prot.Level, chip.Family.Name, chip.Family.Name))
	}
	unit := chip.Family.EraseUnit
	switch {
	case len(protected) > 0:
		lines = append(lines, fmt.Sprintf("write-protected %ss: %s", unit, SectorNumbers(protected)))
	case prot.Unknown == "":
		lines = append(lines, fmt.Sprintf("write-protected %ss: none", unit))
	}
	if prot.Unknown != "" {
		lines = append(lines, "write protection: "+prot.Unknown)
	}
	return lines
}

// UnprotectDocument is what Unprotect found and did as front ends show it
// (softdfu unprotect --json): only what was observed. The JSON field
// names are stable and in sorted order.
type UnprotectDocument struct {
	// Back is the board that came back after the reset; nil when none
	// did in time, or nothing was sent.
	Back *BackDocument `json:"back,omitempty"`
	// Blank and LevelAfter: when the board came back in DFU mode and was
	// read (Unprotected.Checked).
	Blank      *bool `json:"blank,omitempty"`
	Level      int   `json:"rdp_level"`
	LevelAfter *int  `json:"rdp_level_after,omitempty"`
	Sent       bool  `json:"sent"`
}

// BackDocument names the board that came back after a reset.
type BackDocument struct {
	ID     string `json:"id"`
	Mode   Mode   `json:"mode"`
	Serial string `json:"serial"`
}

// Document returns u as front ends show it; nil for nil u (Unprotect
// failed before it read the option bytes).
func (u *Unprotected) Document() *UnprotectDocument {
	if u == nil {
		return nil
	}
	d := &UnprotectDocument{Level: u.Level, Sent: u.Sent}
	if u.Checked {
		d.LevelAfter, d.Blank = ptrTo(u.LevelAfter), ptrTo(u.Blank)
	}
	if b := u.Back; b != nil {
		d.Back = &BackDocument{ID: b.ID, Mode: b.Mode, Serial: b.Serial}
	}
	return d
}
