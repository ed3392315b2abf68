// Package dfu is the host side of USB DFU 1.1 and of ST's DfuSe extensions
// as spoken by the STM32 ROM bootloader: request, state and status codes,
// the GETSTATUS answer, the functional descriptor, DfuSe memory layout
// strings, and an engine (Conn) that drives a device through them.
//
// The engine is apart from the transport: it takes an opened usb.Device and
// never opens or closes devices itself. It waits in the device's clock
// (usb.ClockOf), so against the simulator no test sleeps for real.
//
// Every device answer other than the expected one becomes a *StatusError
// that names the operation, the state and the status and says what to do;
// transport errors keep usb.ErrGone, usb.ErrStall and friends reachable with
// errors.Is.
package dfu
