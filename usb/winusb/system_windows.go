//go:build windows && (amd64 || arm64)

package winusb

// The only code of this package that a real Windows alone can check. Every
// call cites its reference page; the rest of the package is tested with a
// fake of the system interface.
//
// SetupAPI:  https://learn.microsoft.com/windows/win32/api/setupapi/
// CfgMgr32:  https://learn.microsoft.com/windows/win32/api/cfgmgr32/
// WinUSB:    https://learn.microsoft.com/windows/win32/api/winusb/
// Hub IOCTL: https://learn.microsoft.com/windows-hardware/drivers/ddi/usbioctl/ni-usbioctl-ioctl_usb_get_descriptor_from_node_connection

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"go.bug.st/serial/enumerator"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/softdfu/softdfu/usb"
)

var osSystem system = winSystem{}

var (
	winusbDLL   = windows.NewLazySystemDLL("winusb.dll")
	cfgmgr32DLL = windows.NewLazySystemDLL("cfgmgr32.dll")

	procInitialize       = winusbDLL.NewProc("WinUsb_Initialize")
	procFree             = winusbDLL.NewProc("WinUsb_Free")
	procControlTransfer  = winusbDLL.NewProc("WinUsb_ControlTransfer")
	procGetDescriptor    = winusbDLL.NewProc("WinUsb_GetDescriptor")
	procSetAltSetting    = winusbDLL.NewProc("WinUsb_SetCurrentAlternateSetting")
	procSetPipePolicy    = winusbDLL.NewProc("WinUsb_SetPipePolicy")
	procReadPipe         = winusbDLL.NewProc("WinUsb_ReadPipe")
	procWritePipe        = winusbDLL.NewProc("WinUsb_WritePipe")
	procCMGetParent      = cfgmgr32DLL.NewProc("CM_Get_Parent")
	procCMGetDeviceIDW   = cfgmgr32DLL.NewProc("CM_Get_Device_IDW")
	guidDevinterfaceHub  = windows.GUID{Data1: 0xf18a0e88, Data2: 0xc30c, Data3: 0x11d0, Data4: [8]byte{0x88, 0x15, 0x00, 0xa0, 0xc9, 0x06, 0xbe, 0xd8}}
	errNoWinUSBInterface = errors.New("no WinUSB device interface registered")
)

const (
	// IOCTL_USB_GET_DESCRIPTOR_FROM_NODE_CONNECTION: CTL_CODE(FILE_DEVICE_USB,
	// USB_GET_DESCRIPTOR_FROM_NODE_CONNECTION (260), METHOD_BUFFERED,
	// FILE_ANY_ACCESS) (usbioctl.h).
	ioctlGetDescriptorFromNodeConnection = 0x22<<16 | 260<<2
	// pipeTransferTimeout is the PIPE_TRANSFER_TIMEOUT policy (winusbio.h).
	pipeTransferTimeout = 0x03
)

type winSystem struct{}

// nodes: SetupDiGetClassDevsExW with the enumerator "USB", DIGCF_PRESENT
// and DIGCF_ALLCLASSES lists every USB device node; SetupDiEnumDeviceInfo,
// SetupDiGetDeviceInstanceIdW and SetupDiGetDeviceRegistryPropertyW
// (SPDRP_HARDWAREID, SPDRP_SERVICE, SPDRP_FRIENDLYNAME, SPDRP_DEVICEDESC,
// SPDRP_LOCATION_PATHS, SPDRP_LOCATION_INFORMATION, SPDRP_ADDRESS: "for USB
// devices, the port number") describe each; CM_Get_DevNode_Status gives
// the problem code.
func (winSystem) nodes() ([]node, error) {
	set, err := windows.SetupDiGetClassDevsEx(nil, "USB", 0, windows.DIGCF_PRESENT|windows.DIGCF_ALLCLASSES, 0, "")
	if err != nil {
		return nil, err
	}
	defer set.Close()
	var out []node
	for i := 0; ; i++ {
		data, err := set.EnumDeviceInfo(i)
		if errors.Is(err, windows.ERROR_NO_MORE_ITEMS) {
			return out, nil
		}
		if err != nil {
			continue
		}
		id, err := set.DeviceInstanceID(data)
		if err != nil {
			continue
		}
		prop := func(p windows.SPDRP) any { v, _ := set.DeviceRegistryProperty(data, p); return v }
		n := node{InstanceID: id, HardwareIDs: strs(prop(windows.SPDRP_HARDWAREID)), Service: str(prop(windows.SPDRP_SERVICE)),
			Name: str(prop(windows.SPDRP_FRIENDLYNAME)), LocationPaths: strs(prop(windows.SPDRP_LOCATION_PATHS)),
			Location: str(prop(windows.SPDRP_LOCATION_INFORMATION)), Parent: parentID(data.DevInst)}
		if n.Name == "" {
			n.Name = str(prop(windows.SPDRP_DEVICEDESC))
		}
		if a, ok := prop(windows.SPDRP_ADDRESS).(uint32); ok {
			n.HubPort = a
		}
		var status uint32
		_ = windows.CM_Get_DevNode_Status(&status, &n.Problem, data.DevInst, 0)
		if strings.EqualFold(n.Service, "WinUSB") {
			n.Interfaces = winusbInterfaces(set, data, id)
		}
		out = append(out, n)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strs(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case string:
		return []string{v}
	}
	return nil
}

// parentID: CM_Get_Parent, then CM_Get_Device_IDW of the parent.
func parentID(inst windows.DEVINST) string {
	var parent windows.DEVINST
	if r, _, _ := procCMGetParent.Call(uintptr(unsafe.Pointer(&parent)), uintptr(inst), 0); r != 0 {
		return ""
	}
	buf := make([]uint16, windows.MAX_DEVICE_ID_LEN+1)
	if r, _, _ := procCMGetDeviceIDW.Call(uintptr(parent), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0); r != 0 {
		return ""
	}
	return windows.UTF16ToString(buf)
}

// winusbInterfaces finds the device interfaces WinUSB registered for a
// node: the DeviceInterfaceGUIDs (or DeviceInterfaceGUID) value of its
// hardware key (SetupDiOpenDevRegKey, DIREG_DEV), as an INF for WinUSB
// sets it, and the present interfaces of those classes
// (CM_Get_Device_Interface_ListW).
func winusbInterfaces(set windows.DevInfo, data *windows.DevInfoData, id string) []string {
	hk, err := set.OpenDevRegKey(data, windows.DICS_FLAG_GLOBAL, 0, windows.DIREG_DEV, windows.KEY_READ)
	if err != nil {
		return nil
	}
	k := registry.Key(hk)
	defer k.Close()
	guids, _, err := k.GetStringsValue("DeviceInterfaceGUIDs")
	if err != nil {
		g, _, err2 := k.GetStringValue("DeviceInterfaceGUID")
		if err2 != nil {
			return nil
		}
		guids = []string{g}
	}
	var out []string
	for _, s := range guids {
		g, err := windows.GUIDFromString(s)
		if err != nil {
			continue
		}
		list, err := windows.CM_Get_Device_Interface_List(id, &g, windows.CM_GET_DEVICE_INTERFACE_LIST_PRESENT)
		if err != nil {
			continue
		}
		for _, p := range list {
			if p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// hubControl opens the parent hub's device interface (GUID_DEVINTERFACE_USB_HUB)
// and sends IOCTL_USB_GET_DESCRIPTOR_FROM_NODE_CONNECTION with a
// USB_DESCRIPTOR_REQUEST (ConnectionIndex, then the 8-byte setup packet,
// then the data; usbioctl.h packs it to 1 byte).
func (winSystem) hubControl(n node, s usb.Setup, data []byte) (int, error) {
	if n.Parent == "" || n.HubPort == 0 {
		return 0, errors.New("no parent hub port known")
	}
	hubs, err := windows.CM_Get_Device_Interface_List(n.Parent, &guidDevinterfaceHub, windows.CM_GET_DEVICE_INTERFACE_LIST_PRESENT)
	if err != nil || len(hubs) == 0 || hubs[0] == "" {
		return 0, fmt.Errorf("hub %s has no device interface: %v", n.Parent, err)
	}
	p, err := windows.UTF16PtrFromString(hubs[0])
	if err != nil {
		return 0, err
	}
	hub, err := windows.CreateFile(p, windows.GENERIC_WRITE, windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		return 0, err
	}
	defer windows.CloseHandle(hub)
	buf := make([]byte, 12+int(s.Length))
	binary.LittleEndian.PutUint32(buf, n.HubPort)
	sp := s.Marshal()
	copy(buf[4:], sp[:])
	var got uint32
	if err := windows.DeviceIoControl(hub, ioctlGetDescriptorFromNodeConnection, &buf[0], uint32(len(buf)), &buf[0], uint32(len(buf)), &got, nil); err != nil {
		return 0, err
	}
	if got < 12 {
		return 0, nil
	}
	return copy(data, buf[12:got]), nil
}

// open: CreateFileW on the device interface with FILE_FLAG_OVERLAPPED (as
// WinUsb_Initialize requires), then WinUsb_Initialize.
func (winSystem) open(n node) (handle, error) {
	if len(n.Interfaces) == 0 {
		return nil, errNoWinUSBInterface
	}
	p, err := windows.UTF16PtrFromString(n.Interfaces[0])
	if err != nil {
		return nil, err
	}
	f, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OVERLAPPED, 0)
	if err != nil {
		return nil, err
	}
	var wh uintptr
	if r, _, e := procInitialize.Call(uintptr(f), uintptr(unsafe.Pointer(&wh))); r == 0 {
		windows.CloseHandle(f)
		return nil, e
	}
	return &winHandle{file: f, wh: wh}, nil
}

// serialPorts is go.bug.st/serial's port list, which on Windows reads
// SetupAPI without cgo.
func (winSystem) serialPorts() ([]serialPort, error) {
	ps, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, err
	}
	var out []serialPort
	for _, p := range ps {
		if !p.IsUSB {
			continue
		}
		v, err1 := strconv.ParseUint(p.VID, 16, 16)
		d, err2 := strconv.ParseUint(p.PID, 16, 16)
		if err1 == nil && err2 == nil {
			out = append(out, serialPort{Name: p.Name, VID: uint16(v), PID: uint16(d), Serial: p.SerialNumber})
		}
	}
	return out, nil
}

type winHandle struct {
	file windows.Handle
	wh   uintptr
}

// ok returns nil for a call that succeeded (a nonzero BOOL), else the
// thread's last error.
func ok(r, _ uintptr, e error) error {
	if r != 0 {
		return nil
	}
	return e
}

// setTimeout is WinUsb_SetPipePolicy(PIPE_TRANSFER_TIMEOUT) in milliseconds.
func (h *winHandle) setTimeout(pipe uint8, t time.Duration) error {
	ms := uint32(max(t.Milliseconds(), 1))
	return ok(procSetPipePolicy.Call(h.wh, uintptr(pipe), pipeTransferTimeout, 4, uintptr(unsafe.Pointer(&ms))))
}

// control is WinUsb_ControlTransfer. Its WINUSB_SETUP_PACKET argument is
// an 8-byte structure passed by value: in one register on amd64 and arm64.
func (h *winHandle) control(s usb.Setup, data []byte, t time.Duration) (int, error) {
	if err := h.setTimeout(0, t); err != nil {
		return 0, err
	}
	sp := s.Marshal()
	var n uint32
	err := ok(procControlTransfer.Call(h.wh, uintptr(binary.LittleEndian.Uint64(sp[:])), bufPtr(data), uintptr(len(data)), uintptr(unsafe.Pointer(&n)), 0))
	return int(n), err
}

func bufPtr(b []byte) uintptr {
	if len(b) == 0 {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

// descriptor is WinUsb_GetDescriptor.
func (h *winHandle) descriptor(typ, index uint8, lang uint16, data []byte) (int, error) {
	var n uint32
	err := ok(procGetDescriptor.Call(h.wh, uintptr(typ), uintptr(index), uintptr(lang), bufPtr(data), uintptr(len(data)), uintptr(unsafe.Pointer(&n))))
	return int(n), err
}

// setAlternate is WinUsb_SetCurrentAlternateSetting.
func (h *winHandle) setAlternate(alt uint8) error {
	return ok(procSetAltSetting.Call(h.wh, uintptr(alt)))
}

// transfer is WinUsb_ReadPipe or WinUsb_WritePipe (the pipe ID is the
// endpoint address).
func (h *winHandle) transfer(ep uint8, data []byte, t time.Duration) (int, error) {
	if err := h.setTimeout(ep, t); err != nil {
		return 0, err
	}
	proc := procWritePipe
	if ep&0x80 != 0 {
		proc = procReadPipe
	}
	var n uint32
	err := ok(proc.Call(h.wh, uintptr(ep), bufPtr(data), uintptr(len(data)), uintptr(unsafe.Pointer(&n)), 0))
	return int(n), err
}

// cancel is CancelIoEx on the device file with no OVERLAPPED: every I/O
// of the process on that handle.
func (h *winHandle) cancel() error { return windows.CancelIoEx(h.file, nil) }

// close is WinUsb_Free, then CloseHandle.
func (h *winHandle) close() error {
	procFree.Call(h.wh)
	return windows.CloseHandle(h.file)
}
