package usb

import "context"

// Gadget is the device side of USB: a device model such as a simulated
// board. Hosts reach a Gadget through the in-process simulator bus or a
// USB/IP server; both pass requests through unchanged, so the Gadget alone
// decides every answer, standard requests included (Descriptors.Answer helps).
//
// A Gadget lives for one enumeration. When the device resets or re-enumerates
// (application to bootloader, bootloader to application) the Gadget is gone:
// Gone is closed and every call returns ErrGone; the board then presents a new
// Gadget.
type Gadget interface {
	// Descriptors returns the device's descriptor set. It does not change
	// during the Gadget's life.
	Descriptors() *Descriptors
	// Control handles a control transfer. out is the OUT data stage; the
	// result is the IN data stage (at most setup.Length bytes). ErrStall
	// stalls the request. Control may block (a busy device holds the
	// status stage) until ctx ends.
	Control(ctx context.Context, setup Setup, out []byte) (in []byte, err error)
	// Transfer handles a bulk or interrupt transfer on ep. For an OUT
	// endpoint out is the data and the result is nil; for an IN endpoint
	// (bit 7 set) it returns up to max bytes, blocking until the device has
	// something to send or ctx ends.
	Transfer(ctx context.Context, ep uint8, out []byte, max int) (in []byte, err error)
	// Gone is closed when the device leaves the bus.
	Gone() <-chan struct{}
}

// Bus is a source of Gadgets: a simulated world of boards. A USB/IP server
// exports what a Bus shows, and the in-process host opens the same Gadgets.
type Bus interface {
	// Ports lists the port paths of the bus ("1-1", "1-2", ...), stable for
	// the bus's life.
	Ports() []string
	// Attached returns the Gadget on a port now, or nil when nothing is
	// enumerated there (a board running an application without USB, or a
	// board in reset).
	Attached(port string) Gadget
	// Changed returns a channel that is closed at the next attach or detach
	// on any port; call again for the one after.
	Changed() <-chan struct{}
}
