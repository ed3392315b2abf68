package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/part"
)

func (e *env) infoCommand() *cobra.Command {
	var sel selection
	var address, format string
	c := &cobra.Command{
		Use:   "info [FILE]",
		Short: "Describe a board (part, ROM, serial, memory map, option bytes) or a firmware file",
		Long: `With no argument, describe the selected board in the ROM bootloader: what a
host can read from it (ROM version, serial number, the memory map of every
alternate setting, the option bytes and read-protection level) and what it
infers from that (the part family). With FILE, describe a firmware file:
format, segments, sizes, CRC-32, entry point and whether its start looks like
a bootable Cortex-M vector table.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				return e.fileInfo(args[0], address, format)
			}
			return e.boardInfo(c.Context(), &sel)
		},
	}
	sel.oneFlags(c.Flags())
	c.Flags().StringVar(&address, "address", "", "load address of a raw binary FILE (default 0x08000000)")
	c.Flags().StringVar(&format, "format", "", "format of FILE instead of guessing")
	return c
}

type altInfo struct {
	Alt    int    `json:"alt"`
	Name   string `json:"name"`
	Layout string `json:"layout"`
}

type optInfo struct {
	Address  string `json:"address"`
	Raw      string `json:"raw"`
	RDP      string `json:"rdp,omitempty"`
	Level    *int   `json:"rdp_level,omitempty"`
	User     string `json:"user,omitempty"`
	NWRP     string `json:"nwrp,omitempty"`
	Protects []int  `json:"write_protected_sectors"`
	Unknown  string `json:"write_protection_unknown,omitempty"`
}

func (e *env) boardInfo(ctx context.Context, sel *selection) error {
	s, err := e.openSession(ctx, sel, "info", nil)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := s.Describe(ctx)
	if err != nil {
		return err
	}
	b := board.Describe(ctx, s.Host, s.Board)
	doc := map[string]any{
		"path": b.Path, "host": b.Host, "id": b.ID, "serial": b.Serial, "product": b.Product,
		"rom_bcd_device": fmt.Sprintf("0x%04x", b.Info.Descriptors.Device.Device),
		"functional":     d.Functional.String(),
	}
	inferred := d.Chip.Name
	if !d.Known {
		inferred = "unknown STM32F4 (flash " + d.Chip.Shape() + ")"
	}
	doc["part_inferred"] = inferred
	var alts []altInfo
	for _, a := range d.Alts {
		desc := a.Name
		if a.Layout != nil {
			desc = a.Layout.String()
		}
		alts = append(alts, altInfo{int(a.Number), a.Name, desc})
	}
	opts := optionInfo(d.OptionBytes, d.Flash, d.Chip)
	doc["alt_settings"], doc["option_bytes"] = alts, opts
	if w := e.world(); w != nil {
		if sb := w.Board(b.Path); sb != nil {
			doc["simulated"] = map[string]any{"board": sb.Model().Name, "part": sb.Part().Name, "uid": part.UIDHex(sb.UID()), "note": "known only because the board is simulated: a real ROM does not tell the exact part or the full UID"}
		}
	}
	if e.json {
		return e.document(doc)
	}
	fmt.Fprintf(e.stdout, "board %s (%s) %s %q serial %s\n", b.Path, b.Host, b.ID, b.Product, b.Serial)
	fmt.Fprintf(e.stdout, "ROM bootloader: bcdDevice %s, %s\n", doc["rom_bcd_device"], doc["functional"])
	fmt.Fprintf(e.stdout, "part (inferred from the flash layout): %s\n", inferred)
	if s, ok := doc["simulated"].(map[string]any); ok {
		fmt.Fprintf(e.stdout, "simulated: %s on %s, UID %s (known only because the board is simulated)\n", s["part"], s["board"], s["uid"])
	} else {
		fmt.Fprintf(e.stdout, "the serial number encodes UID word0+word2 and the upper half of word1; the ROM does not tell the full UID\n")
	}
	fmt.Fprintln(e.stdout, "memory:")
	for _, a := range alts {
		fmt.Fprintf(e.stdout, "  alt %d  %s\n", a.Alt, a.Layout)
	}
	for _, o := range opts {
		fmt.Fprintf(e.stdout, "option bytes at %s: %s\n", o.Address, o.Raw)
	}
	if d.OptionBytes != nil {
		for _, line := range optionLines(d.OptionBytes, opts[0].Protects, d.Chip) {
			fmt.Fprintf(e.stdout, "  %s\n", line)
		}
	}
	return nil
}

// optionInfo describes the option-byte blocks for info: the raw bytes of
// each, and in the first the read protection and the write-protected
// sectors or pages of the whole chip (numbered as in the flash layout).
func optionInfo(ob *board.OptionBytes, flash board.Layout, chip *part.Chip) []optInfo {
	if ob == nil {
		return nil
	}
	prot := ob.Protection()
	var opts []optInfo
	for i, raw := range ob.Raw {
		o := optInfo{Address: fmt.Sprintf("0x%08x", ob.Addrs[i]), Raw: fmt.Sprintf("% x", raw), Protects: []int{}}
		if i < len(ob.Blocks) {
			o.NWRP = fmt.Sprintf("0x%04x", ob.Blocks[i].NWRP)
		}
		if i == 0 {
			// RDP and USER live in the first block only; RM0090 table 17
			// calls those bytes of the bank-2 block unused.
			if prot.HasRDP {
				o.RDP, o.Level = fmt.Sprintf("0x%02x", prot.RDP), ptr(prot.Level)
			}
			if len(ob.Blocks) > 0 {
				o.User = fmt.Sprintf("0x%02x", ob.Blocks[0].User)
			}
			for _, s := range ob.Protected(chip, flash.All()) {
				o.Protects = append(o.Protects, s.Index)
			}
			o.Unknown = prot.Unknown
		}
		opts = append(opts, o)
	}
	return opts
}

func (e *env) fileInfo(path, address, format string) error {
	img, err := e.loadImage(path, address, format, "taking it as starting at")
	if err != nil {
		return err
	}
	lo, hi := img.Span()
	problems := img.CheckSTM32F4()
	type seg struct {
		Alt     uint8  `json:"alt"`
		Address string `json:"address"`
		End     string `json:"end"`
		Size    int    `json:"size"`
	}
	var segs []seg
	for _, s := range img.Segments {
		segs = append(segs, seg{s.Alt, fmt.Sprintf("0x%08x", s.Address), fmt.Sprintf("0x%08x", s.End()-1), len(s.Data)})
	}
	msp, reset, hasVT := img.VectorTable(lo)
	doc := map[string]any{
		"file": path, "format": img.Format, "segments": segs, "size": img.Size(),
		"crc32": fmt.Sprintf("0x%08x", img.CRC32()), "span": fmt.Sprintf("0x%08x-0x%08x", lo, hi-1),
		"bootable": len(problems) == 0, "problems": problems,
	}
	if img.Entry != 0 {
		doc["entry"] = fmt.Sprintf("0x%08x", img.Entry)
	}
	if hasVT {
		doc["vector_table"] = map[string]string{"initial_sp": fmt.Sprintf("0x%08x", msp), "reset": fmt.Sprintf("0x%08x", reset)}
	}
	if img.Vendor != 0 || img.Product != 0 {
		doc["dfu_suffix"] = fmt.Sprintf("%04x:%04x bcdDevice %04x", img.Vendor, img.Product, img.Device)
	}
	if e.json {
		if doc["problems"] == nil {
			doc["problems"] = []string{}
		}
		return e.document(doc)
	}
	fmt.Fprintf(e.stdout, "%s: %s, %d bytes in %d segment(s), CRC-32 %s\n", path, img.Format, img.Size(), len(img.Segments), doc["crc32"])
	t := newTable(e.stdout, "  ALT", "START", "END", "SIZE")
	for _, s := range segs {
		t.row(fmt.Sprintf("  %d", s.Alt), s.Address, s.End, fmt.Sprint(s.Size))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if img.Entry != 0 {
		fmt.Fprintf(e.stdout, "entry point 0x%08x\n", img.Entry)
	}
	if s, ok := doc["dfu_suffix"]; ok {
		fmt.Fprintf(e.stdout, "DFU suffix: %s\n", s)
	}
	if hasVT {
		fmt.Fprintf(e.stdout, "vector table at 0x%08x: initial SP 0x%08x, reset 0x%08x\n", lo, msp, reset)
	}
	if len(problems) == 0 {
		fmt.Fprintln(e.stdout, "looks bootable on an STM32F4")
	} else {
		for _, p := range problems {
			fmt.Fprintf(e.stdout, "warning: %s\n", p)
		}
	}
	return nil
}
