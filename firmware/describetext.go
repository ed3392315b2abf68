package firmware

import "fmt"

// Lines describe the file for people (softdfu info FILE), one line each:
// format, size and CRC-32; a table of the segments (alternate setting,
// first and last address, size); the entry point, DFU suffix and vector
// table where there are any; whether it looks bootable; and a warning
// line for each problem.
func (d Description) Lines() []string {
	lines := []string{fmt.Sprintf("%s: %s, %d bytes in %d segment(s), CRC-32 %s", d.File, d.Format, d.Size, len(d.Segments), d.CRC32)}
	// Addresses are always ten characters wide (0x%08x), so the columns
	// line up with fixed widths.
	const row = "  %-3v  %-10s  %-10s  %v"
	lines = append(lines, fmt.Sprintf(row, "ALT", "START", "END", "SIZE"))
	for _, s := range d.Segments {
		lines = append(lines, fmt.Sprintf(row, s.Alt, s.Address, s.End, s.Size))
	}
	if d.Entry != "" {
		lines = append(lines, "entry point "+d.Entry)
	}
	if d.DFUSuffix != "" {
		lines = append(lines, "DFU suffix: "+d.DFUSuffix)
	}
	if vt := d.VectorTable; vt != nil {
		lines = append(lines, fmt.Sprintf("vector table at %s: initial SP %s, reset %s", vt.At, vt.InitialSP, vt.Reset))
	}
	if d.Bootable {
		lines = append(lines, "looks bootable on an STM32F4")
	}
	for _, p := range d.Problems {
		lines = append(lines, "warning: "+p)
	}
	return lines
}
