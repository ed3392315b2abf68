package board

import (
	"context"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/part"
	"github.com/softdfu/softdfu/usb"
)

// Alt is one alternate setting of a board's DFU interface.
type Alt struct {
	Number uint8
	// Name is the string the ROM shows (a DfuSe memory map).
	Name string
	// Layout is the parsed memory map; nil when Name is not one.
	Layout *dfu.Layout
}

// Description is what a host can read from a board in the ROM bootloader
// without changing it, and what it infers from that.
type Description struct {
	Board      usb.DeviceInfo
	Functional dfu.Functional
	// Chip is the part identified from the device descriptor and the
	// flash layout (package part); Known is false when the database does
	// not know the layout.
	Chip  *part.Chip
	Known bool
	// Flash is the layout of internal flash (alternate setting 0).
	Flash dfu.Layout
	Alts  []Alt
	// OptionBytes are read from the option-byte alternate setting; nil
	// when the board has none.
	OptionBytes *OptionBytes
}

// Describe reads the board's alternate settings and option bytes; nothing
// is written.
func (s *Session) Describe(ctx context.Context) (*Description, error) {
	d := &Description{Board: s.Board, Functional: s.conn.Functional(), Flash: s.Layout()}
	var names []string
	for _, a := range s.itf.Alts {
		name, err := s.conn.String(ctx, a.StringIndex)
		if err != nil {
			return nil, fmt.Errorf("reading the name of alternate setting %d: %w", a.Alternate, err)
		}
		alt := Alt{Number: a.Alternate, Name: name}
		names = append(names, name)
		if l, err := dfu.ParseLayout(name); err == nil {
			alt.Layout = &l
		}
		d.Alts = append(d.Alts, alt)
		if alt.Layout != nil && strings.HasPrefix(strings.ToLower(alt.Layout.Name), "option byte") && d.OptionBytes == nil {
			if err := s.conn.SelectAlt(ctx, a.Alternate); err != nil {
				return nil, err
			}
			if d.OptionBytes, err = readBlocks(ctx, s.conn, s.Board.Path); err != nil {
				return nil, err
			}
			chip, _ := Chip(s.Board.Descriptors.Device, d.Flash, names...)
			if err := d.OptionBytes.decode(chip, s.Board.Path); err != nil {
				return nil, err
			}
		}
	}
	// The option-byte string tells apart chips with the same sectors.
	d.Chip, d.Known = Chip(s.Board.Descriptors.Device, d.Flash, names...)
	return d, nil
}
