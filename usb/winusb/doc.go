// Package winusb is the Windows USB backend: a usb.Host and usb.Device in
// pure Go (no cgo, no libusb) over SetupAPI, the configuration manager, the
// USB hub driver and winusb.dll.
//
// # Enumeration
//
// Devices lists every USB device node (SetupDiGetClassDevsExW, enumerator
// "USB"), whatever driver it has: root hubs and the functions of composite
// devices (MI_xx) are left out. The descriptors (device, first
// configuration, and every string they name, the DfuSe layouts of the
// alternate settings included) are read through the parent hub's driver
// (IOCTL_USB_GET_DESCRIPTOR_FROM_NODE_CONNECTION), which needs no driver on
// the device itself. The port path is Linux-style ("1-2.1": bus, then the
// hub ports from the root) from the node's location paths
// (PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(1)); buses are numbered in
// the order of their controllers. The COM ports of a device
// (DeviceInfo.Ports) come from go.bug.st/serial's port list, matched by
// vendor, product and serial number.
//
// # Drivers
//
// Only a device that has the WinUSB driver bound can be opened. The ROM
// bootloader (0483:df11, "STM32  BOOTLOADER") has none on a fresh Windows,
// and ST's DfuSe driver (service STTub30) where ST's tools were installed;
// such a DFU-mode device is listed with DeviceInfo.Problem naming the
// device, its driver and the Zadig steps, and Open fails with
// usb.ErrNoDriver and the same text.
//
// # Transfers
//
// Open finds the node again by port path (usb.ErrGone if the port is empty
// or holds another device), opens its WinUSB device interface (CreateFileW
// with FILE_FLAG_OVERLAPPED, WinUsb_Initialize), which claims the
// interface WinUSB is bound to. Control requests go through
// WinUsb_ControlTransfer, standard GET_DESCRIPTOR through
// WinUsb_GetDescriptor, SetAlternate through
// WinUsb_SetCurrentAlternateSetting, bulk and interrupt transfers through
// WinUsb_ReadPipe and WinUsb_WritePipe. The transfer timeout
// (PIPE_TRANSFER_TIMEOUT) is the context's remaining time (at most
// MaxTimeout), else DefaultTimeout; a context that ends first cancels the
// transfer (CancelIoEx). Windows errors become package usb's:
// ERROR_GEN_FAILURE (a STALL) is usb.ErrStall, ERROR_SEM_TIMEOUT
// usb.ErrTimeout, ERROR_DEVICE_NOT_CONNECTED and its kin usb.ErrGone,
// ERROR_ACCESS_DENIED (another program has the device open) usb.ErrBusy.
//
// # Testing
//
// All of the Windows calls sit behind one small interface (system.go); the
// rest is tested on every system with a fake that answers with a simulated
// board. The test binary also runs under Wine, where the real enumeration
// runs and finds no devices. The calls themselves (system_windows.go) are
// checked only by a real Windows with a board: see docs/PLATFORMS.md.
//
// On other systems, and on 32-bit Windows, Host answers ErrNotWindows.
package winusb
