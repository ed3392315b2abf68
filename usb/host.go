package usb

import (
	"context"
	"fmt"
	"time"
)

// DeviceInfo is what a host knows of a device without opening it.
type DeviceInfo struct {
	// Host names the backend that sees the device: "sim", "usbfs",
	// "usbip:HOST:PORT".
	Host string
	// Path is the port path ("1-1", "1-1.4"). It stays the same when the
	// device re-enumerates on the same port, so it follows a board from its
	// application to its bootloader.
	Path string
	// Bus and Address are the bus number and the device address. The
	// address changes on every enumeration.
	Bus, Address int
	// Descriptors holds the device and configuration descriptors, and the
	// manufacturer, product and serial strings where the backend can read
	// them without opening the device.
	Descriptors Descriptors
	// Ports lists operating-system paths that belong to the device, such
	// as the /dev/ttyACM* of a CDC-ACM interface.
	Ports []string
	// Problem, when not empty, says why this host cannot open the device
	// and what to do about it (for example: the driver bound to it is not
	// one the backend can use). Lists show it; Open fails with it.
	Problem string
}

// ID formats vendor and product as "0483:df11".
func (i DeviceInfo) ID() string {
	return fmt.Sprintf("%04x:%04x", i.Descriptors.Device.Vendor, i.Descriptors.Device.Product)
}

// String identifies the device for messages.
func (i DeviceInfo) String() string {
	s := fmt.Sprintf("%s %s path %s", i.Host, i.ID(), i.Path)
	if sn := i.Descriptors.Serial(); sn != "" {
		s += " serial " + sn
	}
	return s
}

// Host is a place where devices can be found and opened: a backend.
type Host interface {
	// Devices lists the devices present now. The DeviceInfos may share
	// maps and slices with other listings (a simulated board's
	// descriptors, a scan that served concurrent calls): read them, do not
	// change them.
	Devices(ctx context.Context) ([]DeviceInfo, error)
	// Open opens a device found by Devices. It fails with ErrGone if the
	// device has left the bus since.
	Open(ctx context.Context, info DeviceInfo) (Device, error)
}

// Device is an opened device on the host side.
//
// Every method that talks to the device takes a context; its deadline bounds
// the transfer. A device that has left the bus answers ErrGone, a STALL is
// ErrStall.
type Device interface {
	// Info describes the device as it was when opened.
	Info() DeviceInfo
	// Control performs a control transfer on endpoint 0. For an IN request
	// the device's answer is copied into data (len(data) is wLength); for
	// an OUT request data is the payload. It returns the number of bytes
	// moved in the data stage.
	Control(ctx context.Context, setup Setup, data []byte) (int, error)
	// Claim claims an interface for this program (detaching a kernel
	// driver where the backend has one).
	Claim(ctx context.Context, iface uint8) error
	// SetAlternate selects an alternate setting of a claimed interface.
	SetAlternate(ctx context.Context, iface, alt uint8) error
	// Transfer performs a bulk or interrupt transfer on endpoint ep (bit 7
	// set = IN). For IN, data receives up to len(data) bytes; for OUT, data
	// is sent.
	Transfer(ctx context.Context, ep uint8, data []byte) (int, error)
	// Close releases the device. A device that left the bus closes cleanly.
	Close() error
}

// ControlQueuer is implemented by devices that can queue control
// transfers on endpoint 0. The device still receives them one at a time,
// in the order they were started, but each SETUP goes out as soon as the
// transfer before it has ended, without a round trip through the program:
// over USB/IP, or through an operating system whose every request costs
// more than the bus time, a queue of independent requests (DFU UPLOADs of
// consecutive blocks) hides that cost behind the device's own time.
type ControlQueuer interface {
	// StartControl queues a control transfer behind those already started
	// and returns without waiting for it. wait waits for it and returns
	// what Control would; it must be called exactly once, and data must
	// not be touched until it returns. ctx bounds the transfer from its
	// start.
	StartControl(ctx context.Context, setup Setup, data []byte) (wait func() (int, error), err error)
}

// ClassInterfaceOut builds a class OUT request to an interface.
func ClassInterfaceOut(req uint8, value, iface uint16, n int) Setup {
	return Setup{RequestType: DirOut | TypeClass | RecipientInterface, Request: req, Value: value, Index: iface, Length: uint16(n)}
}

// ClassInterfaceIn builds a class IN request to an interface.
func ClassInterfaceIn(req uint8, value, iface uint16, n int) Setup {
	return Setup{RequestType: DirIn | TypeClass | RecipientInterface, Request: req, Value: value, Index: iface, Length: uint16(n)}
}

// StandardRequestLimit bounds a standard request with a data stage:
// USB 2.0 section 9.2.6.4 gives a device 500 ms per data packet and 50 ms
// for the status stage, so a 255-byte string descriptor in 64-byte packets
// is late after about 2 s. A bound also lets a host make the request as
// one blocking system call instead of a cancellable asynchronous one.
const StandardRequestLimit = 2 * time.Second

// ReadString reads string descriptor i (US English) from an opened device,
// waiting at most StandardRequestLimit.
func ReadString(ctx context.Context, d Device, i uint8) (string, error) {
	if i == 0 {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(ctx, StandardRequestLimit)
	defer cancel()
	buf := make([]byte, 255)
	n, err := d.Control(ctx, Setup{RequestType: DirIn, Request: ReqGetDescriptor, Value: DescString<<8 | uint16(i), Index: LangEnglishUS, Length: 255}, buf)
	if err != nil {
		return "", fmt.Errorf("reading string descriptor %d: %w", i, err)
	}
	return ParseString(buf[:n])
}

// Configuration asks the device for its bConfigurationValue with
// GET_CONFIGURATION: 0 means it is in the Address state, whatever the host
// lists (USB 2.0 section 9.4.2).
func Configuration(ctx context.Context, d Device) (uint8, error) {
	ctx, cancel := context.WithTimeout(ctx, StandardRequestLimit)
	defer cancel()
	var b [1]byte
	n, err := d.Control(ctx, Setup{RequestType: DirIn | TypeStandard | RecipientDevice, Request: ReqGetConfiguration, Length: 1}, b[:])
	if err != nil {
		return 0, fmt.Errorf("GET_CONFIGURATION: %w", err)
	}
	if n != 1 {
		return 0, fmt.Errorf("GET_CONFIGURATION: %d bytes, want 1", n)
	}
	return b[0], nil
}

// SetConfiguration sends SET_CONFIGURATION with value cfg (0 returns the
// device to the Address state). Hosts that own the whole device (the
// USB/IP client, the in-process simulator) send it when they open a
// device, as an operating system does when it enumerates one: until then
// the device has no interfaces (USB 2.0 section 9.4.7).
func SetConfiguration(ctx context.Context, d Device, cfg uint8) error {
	if _, err := d.Control(ctx, Setup{RequestType: DirOut | TypeStandard | RecipientDevice, Request: ReqSetConfiguration, Value: uint16(cfg)}, nil); err != nil {
		return fmt.Errorf("SET_CONFIGURATION %d: %w", cfg, err)
	}
	return nil
}
