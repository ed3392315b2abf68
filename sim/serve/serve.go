// Package serve serves simulated boards to other programs: over USB/IP
// (the server of usb/usbip, for the Linux kernel's vhci-hcd and dfu-util
// behind it, or softdfu's own USB/IP client), with the boards' BOOT0 pins
// and reset buttons on a console. It is the work of `softdfu sim`, and it
// lives beside the simulator because the simulator imports no host
// package (usb/usbip holds a USB/IP host as well as the server).
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb/usbip"
)

// Options are where the boards' buttons are served besides USB/IP.
type Options struct {
	// Control, when set, takes board-button commands (dfu, run, reset,
	// state) from each of its connections.
	Control net.Listener
	// In, when set, is read for the same commands, answered on Out.
	In  io.Reader
	Out io.Writer
}

// Boards says what each board of w is: its bus ID, board, part and what
// it runs.
func Boards(w *sim.World) []string {
	var out []string
	for _, b := range w.Boards() {
		out = append(out, fmt.Sprintf("%s: %s (%s) %s", b.Port(), b.Model().Name, b.Part().Name, b.State().Run))
	}
	return out
}

// Serve exports w's boards over USB/IP on l, and their buttons as o says,
// until ctx ends; a board that re-enumerates is exported again under the
// same bus ID. The end of ctx, or l closed, is no error.
func Serve(ctx context.Context, w *sim.World, l net.Listener, o Options) error {
	if o.Control != nil {
		go w.ServeConsole(ctx, o.Control)
	}
	if o.In != nil {
		go w.Console(o.In, o.Out)
	}
	err := usbip.NewServer(w, usbip.ServerOptions{}).Serve(ctx, l)
	if err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
		return err
	}
	return nil
}
