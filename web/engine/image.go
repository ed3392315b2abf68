//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"syscall/js"

	"github.com/softdfu/softdfu/firmware/fwfile"
)

type segmentJSON struct {
	Address string `json:"address"`
	Start   uint32 `json:"start"`
	Size    int    `json:"size"`
	Alt     int    `json:"alt"`
}

type imageJSON struct {
	Name     string        `json:"name"`
	Format   string        `json:"format"`
	Size     int           `json:"size"`
	Segments []segmentJSON `json:"segments"`
	// Raw is true for a raw binary, which needs an address.
	Raw   bool   `json:"raw"`
	Stack string `json:"stack,omitempty"`
	Reset string `json:"reset,omitempty"`
}

// inspect(name, bytes, address) reads a firmware file with the CLI's
// readers and keeps it as the image to flash.
func (e *engine) inspect(_ context.Context, args []js.Value) (any, error) {
	name := arg(args, 0).String()
	data, err := bytesOf(arg(args, 1))
	if err != nil {
		return nil, err
	}
	opt := fwfile.LoadOptions{}
	ext := fwfile.FromExtension(name)
	raw := fwfile.Sniff(data[:min(len(data), 512)]) == "" && (ext == "" || ext == fwfile.Bin || ext == fwfile.DfuSe)
	if a := strings.TrimSpace(arg(args, 2).String()); raw && a != "" && a != "<undefined>" {
		v, err := strconv.ParseUint(a, 0, 32)
		if err != nil {
			return nil, imageErr{fmt.Errorf("the address %q is not a number: write it like 0x08000000", a)}
		}
		opt.Address, opt.AddressSet = uint32(v), true
	}
	img, err := fwfile.Parse(name, data, opt)
	if err != nil {
		e.img = nil
		return nil, imageErr{err}
	}
	e.img = img
	out := imageJSON{Name: name, Format: img.Format, Size: img.Size(), Raw: raw}
	for _, s := range img.Segments {
		out.Segments = append(out.Segments, segmentJSON{Address: hex(s.Address), Start: s.Address, Size: len(s.Data), Alt: int(s.Alt)})
	}
	if len(img.Segments) > 0 {
		if msp, reset, ok := img.VectorTable(img.Segments[0].Address); ok {
			out.Stack, out.Reset = hex(msp), hex(reset)
		}
	}
	return out, nil
}

// imageErr marks an error in the file, not the board.
type imageErr struct{ err error }

func (e imageErr) Error() string { return e.err.Error() }
func (e imageErr) Unwrap() error { return e.err }
