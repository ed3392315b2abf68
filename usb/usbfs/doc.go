// Package usbfs is the Linux USB backend: a usb.Host and usb.Device in pure
// Go (no cgo, no libusb) over sysfs and the kernel's usbfs device files.
//
// Enumeration reads /sys/bus/usb/devices without opening any device: each
// device directory's `descriptors` attribute holds the device descriptor
// followed by every configuration descriptor; the manufacturer, product and
// serial strings, the string of the active configuration and the strings of
// the active alternate settings come from their sysfs attributes. Other
// strings (for example the DfuSe memory layouts of alternate settings 1-3)
// need an opened device (usb.ReadString). Root hubs (usbN) are not listed.
// The /dev/ttyACM* and /dev/ttyUSB* nodes of a device's interfaces are
// listed in DeviceInfo.Ports. Concurrent Host.Devices calls share scans:
// a call made during a scan waits for the next one, so every caller gets
// a listing that began after its call.
//
// Opening uses /dev/bus/usb/BBB/DDD and the usbfs ioctls (SUBMITURB,
// REAPURBNDELAY, DISCARDURB, CLAIMINTERFACE, RELEASEINTERFACE,
// SETINTERFACE, USBDEVFS_IOCTL wrapping DISCONNECT and CONNECT, RESET,
// CLEAR_HALT, GET_CAPABILITIES), with the argument structs of
// include/uapi/linux/usbdevice_fs.h and request numbers computed from
// their sizes, as the kernel's _IOC macros do (so 32-bit and big-endian
// ports get theirs). Sysfs descriptors are taken as little-endian, as the
// kernel stores them raw.
//
// # Re-enumeration
//
// After a USB reset, a DFU leave, or an application jumping into its
// bootloader, the device comes back with a new device number and possibly a
// new identity. A file descriptor is never reused for it: the old Device
// answers usb.ErrGone, and the caller scans again and opens the new device.
// Host.Open always re-reads sysfs by port path (DeviceInfo.Path) for the
// current device number, and refuses (usb.ErrGone) when the device now at
// that port has another vendor, product or serial.
//
// # Kernel drivers
//
// Claim detaches a kernel driver bound to the interface (cdc_acm,
// usbhid, ...) with USBDEVFS_DISCONNECT, but never takes an interface from
// another program using usbfs (the driver named "usbfs" in sysfs): that is
// usb.ErrBusy, naming the holder. Close releases every claimed interface
// and re-attaches (USBDEVFS_CONNECT) the kernel drivers that Claim detached,
// so that a serial console comes back; when the device has left the bus
// there is nothing to re-attach and Close succeeds.
//
// # Timeouts and cancellation
//
// The timeout of a transfer comes from the context deadline (rounded up to
// whole milliseconds, at most MaxTimeout), or DefaultTimeout when the
// context has none. Every transfer is an asynchronous URB (SUBMITURB, then
// REAPURBNDELAY when usbfs reports it complete): when the context is
// cancelled or the timeout passes it is discarded (DISCARDURB) at once.
// The synchronous CONTROL and BULK ioctls are not used: they wait in the
// kernel, uninterruptibly even by SIGKILL, until their timeout, and each
// holds a thread while it waits.
//
// Each opened device has one reaper goroutine, started by its first
// transfer, that waits for completions with the device's file descriptor
// in the Go runtime's poller (epoll), so a waiting transfer takes no
// thread: many boards at once are served by the runtime's one poller
// thread (TestWaitsTakeNoThread). Close stops the reaper.
//
// # Platforms
//
// Only Linux has usbfs. On other systems the package compiles, and Host
// answers ErrNotLinux.
package usbfs
