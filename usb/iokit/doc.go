// Package iokit is the macOS USB backend: a usb.Host and usb.Device over
// IOKit and CoreFoundation, called through purego without cgo.
//
// Devices lists the IOUSBHostDevice services of the I/O Registry
// (idVendor, idProduct, locationID, "USB Serial Number") and reads each
// one's descriptors with DeviceRequestTO through its IOUSBDeviceInterface182,
// without opening it for exclusive access. The port path comes from the
// locationID (bus in the top byte, one port per nibble: 0x14210000 is
// "20-2.1"). The callout devices (/dev/cu.usbmodem*) of IOSerialBSDClient
// services whose parent is the device, matched by vendor, product and
// serial number (or locationID), are DeviceInfo.Ports: go.bug.st/serial's
// enumerator needs cgo on macOS.
//
// Open finds the device again by port path and identity and opens it for
// exclusive access (USBDeviceOpen: usb.ErrBusy when another program has
// it). Claim opens the interface (USBInterfaceOpen), SetAlternate is
// SetAlternateInterface; a context that ends aborts the control request
// in progress (USBDeviceAbortPipeZero). Bulk and interrupt transfers are
// not done: ErrNoBulk.
//
// All IOKit calls sit behind a small interface (system.go); the rest is
// tested on Linux with a fake answering with a simulated board. The calls
// themselves (system_darwin.go) have run on no Mac: docs/PLATFORMS.md.
package iokit
