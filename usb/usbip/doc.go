// Package usbip speaks the Linux USB/IP protocol (Documentation/usb/usbip_protocol.rst,
// version 1.1.1, TCP port 3240) in both directions, in pure Go:
//
//   - the PDU codec: OP_REQ/REP_DEVLIST, OP_REQ/REP_IMPORT and the 48-byte URB
//     headers of CMD_SUBMIT, RET_SUBMIT, CMD_UNLINK, RET_UNLINK (big-endian; the
//     SETUP packet inside CMD_SUBMIT stays little-endian as on the bus). Every
//     decoder bounds its lengths (MaxTransferLength, MaxDevices) and wraps
//     ErrMalformed on bad input;
//   - Server, which exports the Gadgets of a usb.Bus so that the kernel's vhci-hcd
//     (`usbip attach -r HOST -b 1-1`) or this package's client can use them;
//   - Host and Conn, a client that implements usb.Host and usb.Device over
//     USB/IP without any kernel module.
//
// The server completes URBs asynchronously, in order per endpoint, and honours
// CMD_UNLINK, so a client may keep bulk-IN and interrupt-IN URBs pending (as
// cdc_acm does) while it uses endpoint 0. When a Gadget is gone (the board
// re-enumerates, for example from its application to the ROM bootloader) the
// server closes the connection that imported it; the new Gadget on the same
// bus ID can then be imported again.
//
// The device list of USB/IP carries no strings, so Host.Devices imports each
// device briefly to read its descriptors and its manufacturer, product and
// serial strings.
package usbip
