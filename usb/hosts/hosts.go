// Package hosts picks where a front end finds boards: simulated boards
// (package sim), a USB/IP server (package usb/usbip) or the operating
// system's USB through a backend (package usb/backend).
package hosts

import (
	"fmt"
	"io"
	"net"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/backend"
	"github.com/softdfu/softdfu/usb/usbip"
)

// Choice says where boards are found: Sim, else USBIP, else the native
// backend; Sim and USBIP together are refused.
type Choice struct {
	// Sim lists simulated boards, as sim.ParseSpecs reads them.
	Sim string
	// Faults are injected into the simulated boards, as sim.ParseFaults
	// reads them.
	Faults string
	// SimOptions tune the simulated boards (Faults and PCAP come from the
	// fields here).
	SimOptions sim.Options
	// PCAP, when set, is asked, once the simulated boards are known to be
	// valid, for where to capture their control transfers (nil: nowhere).
	PCAP func() (io.Writer, error)
	// USBIP is a USB/IP server's HOST:PORT.
	USBIP string
	// Backend names the native backend, as backend.New takes it.
	Backend string
}

// Fields of a Choice an Error names.
const (
	Both    = ""        // Sim and USBIP are both set
	Sim     = "sim"     // the board list
	Faults  = "faults"  // the fault spec
	PCAP    = "pcap"    // the capture could not be opened
	USBIP   = "usbip"   // the server address
	Backend = "backend" // the backend name
)

// Error names the field of a Choice that cannot be used; front ends name
// their flag or variable for it.
type Error struct {
	Field string
	Err   error
}

// Error says what is wrong.
func (e *Error) Error() string {
	if e.Field == Both {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// New returns the host c chooses, and the simulated world when it is one.
func New(c Choice) (usb.Host, *sim.World, error) {
	switch {
	case c.Sim != "" && c.USBIP != "":
		return nil, nil, &Error{Both, fmt.Errorf("simulated boards and a USB/IP server both chosen: choose one place to find boards")}
	case c.Sim != "":
		w, err := World(c)
		if err != nil {
			return nil, nil, err
		}
		return w, w, nil
	case c.USBIP != "":
		if _, _, err := net.SplitHostPort(c.USBIP); err != nil {
			return nil, nil, &Error{USBIP, fmt.Errorf("%q: give HOST:PORT, for example 127.0.0.1:3240", c.USBIP)}
		}
		return usbip.NewHost(c.USBIP), nil, nil
	}
	h, err := backend.New(c.Backend)
	if err != nil {
		return nil, nil, &Error{Backend, err}
	}
	return h, nil, nil
}

// World builds the simulated boards of c.Sim.
func World(c Choice) (*sim.World, error) {
	specs, err := sim.ParseSpecs(c.Sim)
	if err != nil {
		return nil, &Error{Sim, err}
	}
	opts := c.SimOptions
	if opts.Faults, err = sim.ParseFaults(c.Faults); err != nil {
		return nil, &Error{Faults, err}
	}
	if c.PCAP != nil {
		if opts.PCAP, err = c.PCAP(); err != nil {
			return nil, &Error{PCAP, err}
		}
	}
	w, err := sim.New(specs, opts)
	if err != nil {
		return nil, &Error{Sim, err}
	}
	return w, nil
}
