package board

import "fmt"

// UIDNote is what Document.Lines says of the chip's 96-bit unique ID by
// default: the ROM's serial number tells only part of it.
const UIDNote = "the serial number encodes UID word0+word2 and the upper half of word1; the ROM does not tell the full UID"

// Lines describe the board for people (softdfu info), one line each: its
// names, its ROM, the part, uid (the line about the unique ID; UIDNote
// when empty), the memory map of every alternate setting, and the option
// bytes raw and decoded.
func (d Document) Lines(uid string) []string {
	if uid == "" {
		uid = UIDNote
	}
	lines := []string{
		fmt.Sprintf("board %s (%s) %s %q serial %s", d.Path, d.Host, d.ID, d.Product, d.Serial),
		fmt.Sprintf("ROM bootloader: bcdDevice %s, %s", d.ROM, d.Functional),
		"part (inferred from the flash layout): " + d.Part,
		uid,
		"memory:",
	}
	for _, a := range d.Alts {
		lines = append(lines, fmt.Sprintf("  alt %d  %s", a.Alt, a.Layout))
	}
	for _, o := range d.OptionBytes {
		lines = append(lines, fmt.Sprintf("option bytes at %s: %s", o.Address, o.Raw))
	}
	for _, line := range d.OptionLines {
		lines = append(lines, "  "+line)
	}
	return lines
}

// Listing describes the option bytes of the board at path for people
// (softdfu option-bytes), one line each: a heading, every block's address
// and raw bytes, then the decoded fields (d.Lines), indented.
func (d OptionDocument) Listing(path string) []string {
	lines := []string{"option bytes of " + path + ":"}
	for _, b := range d.Blocks {
		lines = append(lines, fmt.Sprintf("  at %s: %s", b.Address, b.Raw))
	}
	for _, line := range d.Lines {
		lines = append(lines, "  "+line)
	}
	return lines
}
