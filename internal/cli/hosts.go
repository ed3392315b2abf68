package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/sim/serve"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/hosts"
)

// This file is where the command line wires the simulator in: --sim,
// sim (its serving: package sim/serve), demo and the catalog of
// simulated boards.

// host returns the backend: --sim, --usbip or the native one.
func (e *env) host(context.Context) (usb.Host, error) {
	h, err := e.hosts.Host(func() hosts.Choice { return e.choice(e.sim) })
	return h, e.hostError(err)
}

// choice is where the global flags find boards, with list the --sim
// boards.
func (e *env) choice(list string) hosts.Choice {
	opts := sim.Options{Speed: e.simSpeed, Seed: e.seed}
	if e.verbose {
		opts.Transcript = e.stderr
	}
	return hosts.Choice{Sim: list, Faults: e.simFault, SimOptions: opts, PCAP: e.capture.Open, USBIP: e.usbip, Backend: e.backend}
}

// newWorld builds simulated boards from a --sim list.
func (e *env) newWorld(list string) (*sim.World, error) {
	w, err := hosts.World(e.choice(list))
	return w, e.hostError(err)
}

// hostError names the flag of a choice of host that cannot be used.
func (e *env) hostError(err error) error {
	var he *hosts.Error
	if !errors.As(err, &he) {
		return err
	}
	switch he.Field {
	case hosts.Both:
		return usageError("--sim and --usbip both given: choose one place to find boards")
	case hosts.Faults:
		return usageError("fault spec (--sim-fault): %v\n%s", he.Err, sim.FaultGrammar)
	case hosts.PCAP:
		return fmt.Errorf("--sim-pcap: %w", he.Err)
	case hosts.USBIP:
		return usageError("--usbip %q: give HOST:PORT, for example 127.0.0.1:3240", e.usbip)
	case hosts.Backend:
		return usageError("--backend: %v", he.Err)
	}
	return usageError("%w", he.Err)
}

// world returns the simulated world when --sim is in use, else nil.
func (e *env) world() *sim.World { return e.hosts.World() }

// listBoards prints the board catalog.
func (e *env) listBoards() error {
	rows := sim.Catalog()
	if e.json {
		return e.document(rows)
	}
	t := newTable(e.stdout, "BOARD", "PART", "FLASH", "SECTORS", "SRAM", "CCM", "CRYSTAL", "ROM", "FACTORY APP")
	for _, r := range rows {
		ccm := "-"
		if r.CCMKB > 0 {
			ccm = fmt.Sprintf("%dK", r.CCMKB)
		}
		t.row(r.Board, r.Part, fmt.Sprintf("%dK", r.FlashKB), fmt.Sprint(r.Sectors), fmt.Sprintf("%dK", r.SRAMKB), ccm, fmt.Sprintf("%d MHz", r.HSEMHz), r.ROM, r.Factory)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "modes: BOARD (factory application), BOARD:dfu (ROM bootloader), BOARD:%s\n", strings.Join(sim.PersonaNames(), "|"))
	return nil
}

// demoImage is the demo's sample application for the first board of w,
// and the name of its part.
func demoImage(w *sim.World) (*firmware.Image, string) {
	part := w.Boards()[0].Part()
	img, _ := firmware.FromBin(sim.SampleApp(part), part.FlashBase) // 96 KiB in flash: never past 4 GiB
	return img, part.Name
}

// simHint names the catalog for a board name it does not have.
var simHint = hint{is(sim.ErrUnknownBoard), "softdfu sim --list-boards lists the simulated boards"}

// simBoards names the simulated boards of the catalog.
func simBoards() string { return strings.Join(sim.BoardNames(), ", ") }

// checkSimSpecs checks a --sim board list.
func checkSimSpecs(list string) error {
	_, err := sim.ParseSpecs(list)
	return err
}

// serveSim serves the simulated boards of list over USB/IP on listen,
// with their buttons on control and, with console, on standard input.
func (e *env) serveSim(ctx context.Context, list, listen, control string, console bool) error {
	w, err := e.newWorld(list)
	if err != nil {
		return err
	}
	c := serve.Config{Addr: listen, Control: control, Say: func(line string) { e.say("%s", line) }}
	if console {
		c.In, c.Out = e.stdin, e.stdout
	}
	s, err := serve.Start(ctx, w, c)
	var le *serve.ListenError
	switch {
	case errors.As(err, &le) && le.Control:
		return fmt.Errorf("--control %s: %w", le.Addr, le.Err)
	case errors.As(err, &le):
		return fmt.Errorf("listening on %s: %w (is another USB/IP server running? choose another --listen port)", le.Addr, le.Err)
	case err != nil:
		return err
	}
	e.say("serving %d board(s) over USB/IP on %s %s; stop with Ctrl-C", len(w.Boards()), s.Addr(), speedName(w.Speed()))
	return s.Serve(ctx)
}
