package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbip"
)

// hostCache builds the USB host the global flags select, once per run.
type hostCache struct {
	mu     sync.Mutex
	host   usb.Host
	world  *sim.World
	closer func()
}

func (h *hostCache) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closer != nil {
		h.closer()
		h.closer = nil
	}
}

// host returns the backend: --sim, --usbip or the native one.
func (e *env) host(ctx context.Context) (usb.Host, error) {
	h := &e.hosts
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.host != nil {
		return h.host, nil
	}
	switch {
	case e.sim != "" && e.usbip != "":
		return nil, usageError("--sim and --usbip both given: choose one place to find boards")
	case e.sim != "":
		w, err := e.newWorld(e.sim)
		if err != nil {
			return nil, err
		}
		h.host, h.world = w, w
	case e.usbip != "":
		host, closer, err := usbipHost(ctx, e.usbip)
		if err != nil {
			return nil, err
		}
		h.host, h.closer = host, closer
	default:
		host, err := e.nativeHost()
		if err != nil {
			return nil, err
		}
		h.host = host
	}
	return h.host, nil
}

// newWorld builds simulated boards from a --sim list.
func (e *env) newWorld(list string) (*sim.World, error) {
	specs, err := sim.ParseSpecs(list)
	if err != nil {
		return nil, usageError("%v", err)
	}
	faults, err := sim.ParseFaults(e.simFault)
	if err != nil {
		return nil, usageError("fault spec (--sim-fault): %v\n%s", err, sim.FaultGrammar)
	}
	opts := sim.Options{Speed: e.simSpeed, Seed: e.seed, Faults: faults}
	if e.verbose {
		opts.Transcript = e.stderr
	}
	if e.simPcap != "" && e.pcapFile == nil {
		f, err := os.Create(e.simPcap)
		if err != nil {
			return nil, fmt.Errorf("--sim-pcap: %w", err)
		}
		e.pcapFile = f
	}
	if e.pcapFile != nil {
		opts.PCAP = e.pcapFile
	}
	w, err := sim.New(specs, opts)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return w, nil
}

// world returns the simulated world when --sim is in use, else nil.
func (e *env) world() *sim.World {
	e.hosts.mu.Lock()
	defer e.hosts.mu.Unlock()
	return e.hosts.world
}

func usbipHost(ctx context.Context, addr string) (usb.Host, func(), error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, nil, usageError("--usbip %q: give HOST:PORT, for example 127.0.0.1:3240", addr)
	}
	return usbip.NewHost(addr), nil, nil
}
