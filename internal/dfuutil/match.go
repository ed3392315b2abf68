package dfuutil

import "strings"

// parseDevice reads -d [VID:PID][,VID:PID] as dfu-util 0.11 does: the first
// pair matches a run-time device, the second a DFU-mode one (defaulting to
// the first pair when both are given); "*" or an empty or unreadable field
// matches any ID, "-" none; ",VID:PID" matches DFU-mode devices only. The
// IDs are hex (an "0x" prefix is accepted), never an error.
func (a *Args) parseDevice(s string) {
	a.Vendor, a.Product, a.VendorDFU, a.ProductDFU = Any, Any, Any, Any
	comma := strings.IndexByte(s, ',')
	if comma == 0 {
		a.Vendor, a.Product = Impossible, Impossible
	} else {
		first := s
		if comma > 0 {
			first = s[:comma]
		}
		a.Vendor = matchValue(s, a.Vendor)
		if _, pid, ok := strings.Cut(first, ":"); ok {
			a.Product = matchValue(pid, a.Product)
		}
		if comma > 0 {
			a.VendorDFU, a.ProductDFU = a.Vendor, a.Product
		}
	}
	if comma < 0 {
		return
	}
	second := s[comma+1:]
	a.VendorDFU = matchValue(second, a.VendorDFU)
	if _, pid, ok := strings.Cut(second, ":"); ok {
		a.ProductDFU = matchValue(pid, a.ProductDFU)
	}
}

// matchValue is one -d field: "*" any, "-" none, hex digits an ID, else def.
func matchValue(s string, def int) int {
	switch {
	case strings.HasPrefix(s, "*"):
		return Any
	case strings.HasPrefix(s, "-"):
		return Impossible
	}
	v, n, _ := strtoul(s, 16)
	if n == 0 {
		return def
	}
	return int(int32(uint32(v)))
}

// parseSerial reads -S SERIAL[,SERIAL_DFU]: one serial matches both modes;
// an empty one matches any.
func (a *Args) parseSerial(s string) {
	rt, dfu, ok := strings.Cut(s, ",")
	if !ok {
		dfu = rt
	}
	a.Serial, a.SerialDFU = rt, dfu
}

// idMatches reports whether a -d field accepts id.
func idMatches(want, id int) bool { return want < 0 || want == id }

// Interface is one DFU interface alternate setting as dfu-util lists it.
type Interface struct {
	DFU              bool // DFU mode (else run-time)
	Vendor, Product  int
	BCDDevice        int
	Devnum           int
	Bus              int
	Config           int
	Interface        int
	Alt              int
	Name             string // "UNKNOWN" when the device has none
	Serial           string // "UNKNOWN" when the device has none
	Path             string
	TransferSize     int
	DFUVersion       int
	MultipleAlts     bool
	MaxPacketSize0   int
	DetachTimeoutMS  int
	Attributes       int
	FirstInterfaceNo bool // the DFU interface is interface 0
}

// Matches applies the selection options to one interface, as dfu-util's
// probe does: -p, -c, -i, -a (number, then name), -d, -n, -S. The -a
// options only filter DFU-mode interfaces.
func (a *Args) Matches(f Interface) bool {
	switch {
	case a.Path != "" && a.Path != f.Path:
		return false
	case a.Config > -1 && a.Config != f.Config:
		return false
	case a.Interface > -1 && a.Interface != f.Interface:
		return false
	case f.DFU && a.Alt > -1 && a.Alt != f.Alt:
		return false
	case f.DFU && !(idMatches(a.VendorDFU, f.Vendor) && idMatches(a.ProductDFU, f.Product)):
		return false
	case !f.DFU && !(idMatches(a.Vendor, f.Vendor) && idMatches(a.Product, f.Product)):
		return false
	case a.Devnum >= 0 && a.Devnum != f.Devnum:
		return false
	case f.DFU && a.AltName != "" && a.AltName != f.Name:
		return false
	case f.DFU && a.SerialDFU != "" && a.SerialDFU != f.Serial:
		return false
	case !f.DFU && a.Serial != "" && a.Serial != f.Serial:
		return false
	}
	return true
}
