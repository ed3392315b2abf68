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

// Config says where Start serves a world's boards.
type Config struct {
	// Addr is the TCP address USB/IP is served on (usbip.DefaultAddr when
	// empty).
	Addr string
	// Control, when set, is a TCP address that takes board-button
	// commands (dfu, run, reset, state) from each of its connections.
	Control string
	// In, when set, is read for the same commands, answered on Out.
	In  io.Reader
	Out io.Writer
	// Say, when set, is told in lines for people what is served as it
	// comes up: what each board is (Boards) once USB/IP listens, then
	// where the buttons are once Control listens.
	Say func(line string)
}

// ListenError: an address of a Config could not be listened on.
type ListenError struct {
	// Control is true for Config.Control, false for Config.Addr.
	Control bool
	Addr    string
	Err     error
}

// Error says which address could not be listened on.
func (e *ListenError) Error() string {
	what := "USB/IP"
	if e.Control {
		what = "board buttons"
	}
	return fmt.Sprintf("listening for %s on %s: %v", what, e.Addr, e.Err)
}

// Unwrap returns Err.
func (e *ListenError) Unwrap() error { return e.Err }

// Server is a world whose listeners Start opened, ready to Serve.
type Server struct {
	w     *sim.World
	usbip net.Listener
	o     Options
}

// Start opens the listeners of c for w's boards: USB/IP on c.Addr, then
// board buttons on c.Control when set; an address that cannot be listened
// on is a *ListenError, and nothing is left open. Nothing is served until
// Serve.
func Start(ctx context.Context, w *sim.World, c Config) (*Server, error) {
	say := c.Say
	if say == nil {
		say = func(string) {}
	}
	if c.Addr == "" {
		c.Addr = usbip.DefaultAddr
	}
	l, err := usbip.Listen(ctx, c.Addr)
	if err != nil {
		return nil, &ListenError{Addr: c.Addr, Err: err}
	}
	for _, line := range Boards(w) {
		say(line)
	}
	s := &Server{w: w, usbip: l, o: Options{In: c.In, Out: c.Out}}
	if c.Control != "" {
		if s.o.Control, err = net.Listen("tcp", c.Control); err != nil {
			l.Close()
			return nil, &ListenError{Control: true, Addr: c.Control, Err: err}
		}
		say(fmt.Sprintf("board buttons on %s (send help)", s.o.Control.Addr()))
	}
	return s, nil
}

// Addr is the address USB/IP is served on (the port chosen when Config.Addr
// asked for port 0).
func (s *Server) Addr() net.Addr { return s.usbip.Addr() }

// Serve serves the boards until ctx ends, as Serve does.
func (s *Server) Serve(ctx context.Context) error { return Serve(ctx, s.w, s.usbip, s.o) }

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
