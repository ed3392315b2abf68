// Package usb is the small vocabulary that USB hosts and USB device models share:
// setup packets, descriptors and their wire encoding, the host-side Device and Host
// interfaces that backends (usbfs, USB/IP client, in-process simulator) implement,
// the device-side Gadget interface that device models (the simulator) implement,
// and the errors every backend reports in the same way.
//
// Nothing here opens a real device: backends live in sub-packages and in package sim.
package usb
