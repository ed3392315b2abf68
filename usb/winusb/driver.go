package winusb

import (
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// driverProblem says, for a device that has no WinUSB driver, what
// Windows calls it, which driver it has and how to give it WinUSB.
func driverProblem(n node, info usb.DeviceInfo) string {
	name := n.Name
	if name == "" {
		name = info.Descriptors.ProductName()
	}
	if name == "" {
		name = info.ID()
	}
	vid, pid := info.Descriptors.Device.Vendor, info.Descriptors.Device.Product
	var b strings.Builder
	switch svc := strings.ToLower(n.Service); {
	case svc == "":
		fmt.Fprintf(&b, "Windows has no driver for %q (USB ID %04X %04X; Device Manager lists it under Other devices).", name, vid, pid)
	case svc == "sttub30":
		fmt.Fprintf(&b, "%q (USB ID %04X %04X) has ST's DfuSe driver (service STTub30), which only ST's DfuSe tools talk through.", name, vid, pid)
	default:
		fmt.Fprintf(&b, "%q (USB ID %04X %04X) has the driver %q, not WinUSB.", name, vid, pid, n.Service)
	}
	fmt.Fprintf(&b, " Give it WinUSB once with Zadig (https://zadig.akeo.ie): Options > List All Devices; pick %q (USB ID %04X %04X) in the list; choose WinUSB as the target driver; press %s; then unplug and replug the board.",
		name, vid, pid, map[bool]string{true: "Install Driver", false: "Replace Driver"}[n.Service == ""])
	if strings.EqualFold(n.Service, "sttub30") {
		b.WriteString(" Tools that need ST's driver (DfuSe Demo) stop seeing the board in DFU mode until Device Manager's Roll Back Driver (or Uninstall device and replugging) brings STTub30 back.")
	}
	return b.String()
}
