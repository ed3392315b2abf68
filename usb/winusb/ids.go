package winusb

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ids is what a USB hardware or instance ID says about a device.
type ids struct {
	VID, PID  uint16
	Rev       uint16 // bcdDevice from REV_xxxx, 0 when absent
	Interface int    // MI_xx of a composite device's function, -1 for a whole device
}

// parseID reads `USB\VID_0483&PID_DF11&REV_2200` or
// `USB\VID_0483&PID_DF11&MI_00\...`. ok is false for IDs without a vendor
// and product (root hubs: `USB\ROOT_HUB30\...`).
func parseID(id string) (ids, bool) {
	out := ids{Interface: -1}
	parts := strings.Split(id, `\`)
	if len(parts) < 2 || !strings.EqualFold(parts[0], "USB") {
		return out, false
	}
	var haveV, haveP bool
	for _, f := range strings.Split(parts[1], "&") {
		k, v, _ := strings.Cut(f, "_")
		n, err := strconv.ParseUint(v, 16, 16)
		if err != nil {
			continue
		}
		switch strings.ToUpper(k) {
		case "VID":
			out.VID, haveV = uint16(n), true
		case "PID":
			out.PID, haveP = uint16(n), true
		case "REV":
			out.Rev = uint16(n)
		case "MI":
			out.Interface = int(n)
		}
	}
	return out, haveV && haveP
}

// instanceSerial returns the serial number Windows put in a device
// instance ID (`USB\VID_0483&PID_DF11\355C35693131`), or "" when the last
// part was made up by Windows (it then holds '&': `5&2A3B4C&0&3`).
func instanceSerial(id string) string {
	parts := strings.Split(id, `\`)
	if len(parts) != 3 || strings.Contains(parts[2], "&") {
		return ""
	}
	return parts[2]
}

// location is where a device is plugged in: the controller and the
// chain of hub port numbers from its root hub.
type location struct {
	controller string // `PCIROOT(0)#PCI(1400)#USBROOT(0)`
	ports      []int
}

// parseLocationPaths finds the USB location path among a node's
// location paths (`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(1)`).
func parseLocationPaths(paths []string) (location, bool) {
	for _, p := range paths {
		parts := strings.Split(p, "#")
		root := -1
		for i, s := range parts {
			if strings.HasPrefix(strings.ToUpper(s), "USBROOT(") {
				root = i
			}
		}
		if root < 0 {
			continue
		}
		loc := location{controller: strings.ToUpper(strings.Join(parts[:root+1], "#"))}
		ok := true
		for _, s := range parts[root+1:] {
			n, good := parenNumber(s, "USB(")
			if !good {
				ok = false
				break
			}
			loc.ports = append(loc.ports, n)
		}
		if ok && len(loc.ports) > 0 {
			return loc, true
		}
	}
	return location{}, false
}

// parenNumber reads "USB(12)" given the prefix "USB(".
func parenNumber(s, prefix string) (int, bool) {
	s = strings.ToUpper(s)
	if !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, ")") {
		return 0, false
	}
	n, err := strconv.Atoi(s[len(prefix) : len(s)-1])
	return n, err == nil && n >= 0
}

// parseLocationInfo reads "Port_#0002.Hub_#0001" as port 2 of hub 1.
func parseLocationInfo(s string) (hub, port int, ok bool) {
	p, h, found := strings.Cut(s, ".")
	if !found {
		return 0, 0, false
	}
	pn, err1 := strconv.Atoi(strings.TrimPrefix(p, "Port_#"))
	hn, err2 := strconv.Atoi(strings.TrimPrefix(h, "Hub_#"))
	if err1 != nil || err2 != nil || !strings.HasPrefix(p, "Port_#") || !strings.HasPrefix(h, "Hub_#") {
		return 0, 0, false
	}
	return hn, pn, true
}

// portPaths gives every node a port path in the style of Linux ("1-2.1":
// bus, then the port numbers from the root hub). Buses are numbered from
// 1 in the order of their controllers' location paths, so that a path
// stays the same while the same controllers are present. A node without
// location paths gets "hubH-P" from its location information, and one
// without either gets its instance ID.
func portPaths(ns []node) []string {
	locs := make([]location, len(ns))
	have := make([]bool, len(ns))
	var controllers []string
	seen := map[string]bool{}
	for i, n := range ns {
		locs[i], have[i] = parseLocationPaths(n.LocationPaths)
		if have[i] && !seen[locs[i].controller] {
			seen[locs[i].controller] = true
			controllers = append(controllers, locs[i].controller)
		}
	}
	sort.Strings(controllers)
	bus := map[string]int{}
	for i, c := range controllers {
		bus[c] = i + 1
	}
	out := make([]string, len(ns))
	for i, n := range ns {
		switch hub, port, ok := parseLocationInfo(n.Location); {
		case have[i]:
			s := make([]string, len(locs[i].ports))
			for j, p := range locs[i].ports {
				s[j] = strconv.Itoa(p)
			}
			out[i] = fmt.Sprintf("%d-%s", bus[locs[i].controller], strings.Join(s, "."))
		case ok:
			out[i] = fmt.Sprintf("hub%d-%d", hub, port)
		default:
			out[i] = n.InstanceID
		}
	}
	return out
}
