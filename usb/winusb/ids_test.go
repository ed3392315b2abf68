package winusb

import (
	"reflect"
	"testing"
)

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want ids
		ok   bool
	}{
		{`USB\VID_0483&PID_DF11&REV_2200`, ids{VID: 0x0483, PID: 0xdf11, Rev: 0x2200, Interface: -1}, true},
		{`USB\VID_239A&PID_8031&MI_00\6&1A2B3C&0&0000`, ids{VID: 0x239a, PID: 0x8031, Interface: 0}, true},
		{`usb\vid_0483&pid_df11\355C35693131`, ids{VID: 0x0483, PID: 0xdf11, Interface: -1}, true},
		{`USB\ROOT_HUB30\4&1234&0&0`, ids{Interface: -1}, false},
		{`HID\VID_0483&PID_DF11`, ids{Interface: -1}, false},
		{`USB\VID_0483`, ids{VID: 0x0483, Interface: -1}, false},
	} {
		got, ok := parseID(tc.id)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseID(%q) = %+v %v, want %+v %v", tc.id, got, ok, tc.want, tc.ok)
		}
	}
}

func TestInstanceSerial(t *testing.T) {
	for id, want := range map[string]string{
		`USB\VID_0483&PID_DF11\355C35693131`: "355C35693131",
		`USB\VID_0483&PID_DF11\5&2A3B4C&0&3`: "",
		`USB\VID_0483&PID_DF11`:              "",
	} {
		if got := instanceSerial(id); got != want {
			t.Errorf("instanceSerial(%q) = %q, want %q", id, got, want)
		}
	}
}

// TestPortPaths numbers controllers in order and follows hubs.
func TestPortPaths(t *testing.T) {
	ns := []node{
		{InstanceID: "a", LocationPaths: []string{`ACPI(_SB_)#ACPI(PCI0)`, `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(1)`}},
		{InstanceID: "b", LocationPaths: []string{`PCIROOT(0)#PCI(0D00)#USBROOT(0)#USB(3)`}},
		{InstanceID: "c", Location: "Port_#0004.Hub_#0002"},
		{InstanceID: "d"},
		{InstanceID: "e", LocationPaths: []string{`PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(7)`}},
	}
	want := []string{"2-2.1", "1-3", "hub2-4", "d", "2-7"}
	if got := portPaths(ns); !reflect.DeepEqual(got, want) {
		t.Errorf("portPaths = %q, want %q", got, want)
	}
}

func FuzzParseIDs(f *testing.F) {
	f.Add(`USB\VID_0483&PID_DF11&REV_2200`, `PCIROOT(0)#PCI(1400)#USBROOT(0)#USB(2)#USB(1)`, "Port_#0002.Hub_#0001")
	f.Fuzz(func(t *testing.T, id, path, loc string) {
		parseID(id)
		instanceSerial(id)
		if l, ok := parseLocationPaths([]string{path}); ok && len(l.ports) == 0 {
			t.Errorf("location %q accepted without ports", path)
		}
		parseLocationInfo(loc)
		if got := portPaths([]node{{InstanceID: id, LocationPaths: []string{path}, Location: loc}}); len(got) != 1 || got[0] == "" && id != "" {
			t.Errorf("portPaths of %q %q %q = %q", id, path, loc, got)
		}
	})
}
