package winusb

import (
	"time"

	"github.com/softdfu/softdfu/usb"
)

// system is the seam between this package and Windows: the few calls the
// backend makes, with Windows types already turned into Go ones. The real
// one (system_windows.go) is SetupAPI, the configuration manager, the USB
// hub driver's descriptor request, CreateFile and winusb.dll; tests use a
// fake that answers with a simulated board.
type system interface {
	// nodes lists the USB device nodes present now (SetupAPI, enumerator
	// "USB").
	nodes() ([]node, error)
	// hubControl sends a GET_DESCRIPTOR request for the device through its
	// parent hub's driver, which works whatever driver the device has.
	hubControl(n node, s usb.Setup, data []byte) (int, error)
	// open opens the device's WinUSB interface (CreateFile, then
	// WinUsb_Initialize).
	open(n node) (handle, error)
	// serialPorts lists the system's serial ports with the USB identity
	// of their device.
	serialPorts() ([]serialPort, error)
}

// node is one USB device node as the configuration manager sees it.
type node struct {
	// InstanceID is the device instance ID, for example
	// `USB\VID_0483&PID_DF11\355C35693131`.
	InstanceID string
	// HardwareIDs are the hardware IDs, most specific first
	// (`USB\VID_0483&PID_DF11&REV_2200`, `USB\VID_0483&PID_DF11`).
	HardwareIDs []string
	// Service is the name of the driver service bound to the node
	// ("WinUSB", "usbser", "STTub30", "usbccgp", ...), "" when none is.
	Service string
	// Name is what Device Manager shows: the friendly name, else the
	// device description.
	Name string
	// LocationPaths are the node's location paths, for example
	// `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(1)`.
	LocationPaths []string
	// Location is the location information, for example
	// "Port_#0002.Hub_#0001", used when there are no location paths.
	Location string
	// Interfaces are the paths of the node's WinUSB device interfaces
	// (from the DeviceInterfaceGUIDs the driver package registered).
	Interfaces []string
	// Problem is the configuration manager's problem code (0: none).
	Problem uint32
	// Parent is the instance ID of the hub the device is plugged into,
	// and HubPort the hub port (the node's address), for hubControl.
	Parent  string
	HubPort uint32
}

// handle is an opened WinUSB device.
type handle interface {
	// control is WinUsb_ControlTransfer on the default pipe with the
	// pipe's transfer timeout set to timeout.
	control(s usb.Setup, data []byte, timeout time.Duration) (int, error)
	// descriptor is WinUsb_GetDescriptor.
	descriptor(typ, index uint8, lang uint16, data []byte) (int, error)
	// setAlternate is WinUsb_SetCurrentAlternateSetting on the first
	// interface.
	setAlternate(alt uint8) error
	// transfer is WinUsb_ReadPipe (IN) or WinUsb_WritePipe (OUT) with the
	// pipe's transfer timeout set to timeout.
	transfer(ep uint8, data []byte, timeout time.Duration) (int, error)
	// cancel ends every transfer in progress on the handle (CancelIoEx
	// on the device file); they fail with ERROR_OPERATION_ABORTED.
	cancel() error
	// close is WinUsb_Free and CloseHandle.
	close() error
}

// serialPort is a serial port and the USB device it belongs to.
type serialPort struct {
	Name     string // COM3
	VID, PID uint16
	Serial   string
}
