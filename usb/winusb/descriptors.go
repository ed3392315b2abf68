package winusb

import "github.com/softdfu/softdfu/usb"

// readDescriptors reads a device's descriptors through its parent hub.
func readDescriptors(sys system, n node) (usb.Descriptors, error) {
	return usb.ReadDescriptors(func(s usb.Setup, data []byte) (int, error) { return sys.hubControl(n, s, data) })
}

// needsWinUSB reports whether softdfu talks to the device itself: a
// DFU-mode device such as the ROM bootloader.
func needsWinUSB(d usb.Descriptors) bool { return usb.InDFUMode(d) }
