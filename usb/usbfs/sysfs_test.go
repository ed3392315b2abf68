package usbfs

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/usb"
)

const (
	appTree = "testdata/sysfs/app"
	romTree = "testdata/sysfs/rom"
)

func scanTree(t *testing.T, root string) map[string]sysDevice {
	t.Helper()
	ds, err := scan(context.Background(), root, "/dev")
	if err != nil {
		t.Fatalf("scan %s: %v", root, err)
	}
	m := map[string]sysDevice{}
	var paths []string
	for _, d := range ds {
		m[d.info.Path] = d
		paths = append(paths, d.info.Path)
	}
	// Root hub usb1 and the interface entry 1-1.2:1.0 are not devices.
	if want := []string{"1-1", "1-1.2"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("scan %s found %q, want %q", root, paths, want)
	}
	return m
}

func TestScanROMBootloader(t *testing.T) {
	d := scanTree(t, romTree)["1-1.2"]
	in := d.info
	if in.Host != "usbfs" || in.Bus != 1 || in.Address != 6 || in.ID() != "0483:df11" {
		t.Errorf("info = %s bus %d address %d", in, in.Bus, in.Address)
	}
	if d.dir != filepath.Join(romTree, "1-1.2") {
		t.Errorf("dir = %s", d.dir)
	}
	ds := in.Descriptors
	if ds.Device.Device != 0x2200 || ds.Device.MaxPacketSize0 != 64 || ds.Device.NumConfigurations != 1 {
		t.Errorf("device descriptor %+v", ds.Device)
	}
	if ds.ProductName() != "STM32  BOOTLOADER" || ds.Manufacturer() != "STMicroelectronics" || ds.Serial() != "325E35633334" {
		t.Errorf("strings %q %q %q", ds.Manufacturer(), ds.ProductName(), ds.Serial())
	}
	if len(ds.Configs) != 1 {
		t.Fatalf("%d configurations, want 1", len(ds.Configs))
	}
	c := ds.Configs[0]
	if c.NumInterfaces() != 1 || len(c.Interfaces) != 4 || c.Attributes != 0xc0 {
		t.Fatalf("config: %d interfaces, %d alternate settings, attributes %#x", c.NumInterfaces(), len(c.Interfaces), c.Attributes)
	}
	for alt, ifc := range c.Interfaces {
		if ifc.Number != 0 || int(ifc.Alternate) != alt || ifc.Class != 0xfe || ifc.SubClass != 1 || ifc.Protocol != 2 || int(ifc.StringIndex) != 4+alt || len(ifc.Endpoints) != 0 {
			t.Errorf("alt %d: %+v", alt, ifc)
		}
	}
	fd := []byte{0x09, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01}
	if x := c.Interfaces[3].Extra; len(x) != 1 || !bytes.Equal(x[0], fd) {
		t.Errorf("functional descriptor after alt 3 = % x, want % x", x, fd)
	}
	// sysfs shows the active alternate setting's string only.
	want := map[uint8]string{1: "STMicroelectronics", 2: "STM32  BOOTLOADER", 3: "325E35633334",
		4: "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"}
	if !reflect.DeepEqual(ds.Strings, want) {
		t.Errorf("strings %q, want %q", ds.Strings, want)
	}
	if len(in.Ports) != 0 {
		t.Errorf("ports %q, want none", in.Ports)
	}
}

func TestScanCircuitPython(t *testing.T) {
	d := scanTree(t, appTree)["1-1.2"]
	in := d.info
	if in.ID() != "239a:805a" || in.Address != 5 || in.Descriptors.Serial() != "30002D000B51343333353132" {
		t.Errorf("info = %s address %d", in, in.Address)
	}
	if want := []string{"/dev/ttyACM0"}; !reflect.DeepEqual(in.Ports, want) {
		t.Errorf("ports %q, want %q", in.Ports, want)
	}
	c := in.Descriptors.Configs[0]
	iad := []byte{8, 0x0b, 0, 2, 2, 2, 0, 4}
	if len(c.Extra) != 1 || !bytes.Equal(c.Extra[0], iad) {
		t.Errorf("IAD = % x, want % x", c.Extra, iad)
	}
	type ifc struct {
		num, class, sub, proto uint8
		eps                    []uint8
		extra                  int
	}
	want := []ifc{
		{0, 2, 2, 0, []uint8{0x81}, 4},          // CDC control: header, call mgmt, ACM, union
		{1, 0x0a, 0, 0, []uint8{0x02, 0x82}, 0}, // CDC data
		{2, 8, 6, 0x50, []uint8{0x83, 0x03}, 0}, // MSC bulk-only
		{3, 3, 0, 0, []uint8{0x84, 0x04}, 1},    // HID + HID descriptor
	}
	if len(c.Interfaces) != len(want) {
		t.Fatalf("%d interfaces, want %d", len(c.Interfaces), len(want))
	}
	for i, w := range want {
		g := c.Interfaces[i]
		var eps []uint8
		for _, e := range g.Endpoints {
			eps = append(eps, e.Address)
		}
		if g.Number != w.num || g.Class != w.class || g.SubClass != w.sub || g.Protocol != w.proto || !reflect.DeepEqual(eps, w.eps) || len(g.Extra) != w.extra {
			t.Errorf("interface %d = %+v, want %+v", i, g, w)
		}
	}
	for idx, s := range map[uint8]string{2: "Adafruit Industries LLC", 3: "Feather STM32F405 Express",
		4: "CircuitPython CDC control", 5: "CircuitPython CDC data", 6: "CircuitPython Mass Storage", 7: "CircuitPython HID"} {
		if g := in.Descriptors.String(idx); g != s {
			t.Errorf("string %d = %q, want %q", idx, g, s)
		}
	}
	if g := driverOf(interfaceDir(d.dir, 0)); g != "cdc_acm" {
		t.Errorf("driver of interface 0 = %q, want cdc_acm", g)
	}
	if g := driverOf(interfaceDir(d.dir, 2)); g != "usb-storage" {
		t.Errorf("driver of interface 2 = %q, want usb-storage", g)
	}
	if g := interfaceDir(d.dir, 9); g != "" {
		t.Errorf("interfaceDir of missing interface = %q", g)
	}
}

func TestScanHub(t *testing.T) {
	in := scanTree(t, appTree)["1-1"].info
	dd := in.Descriptors.Device
	if in.ID() != "05e3:0608" || dd.Class != 9 || dd.Protocol != 1 || in.Address != 2 {
		t.Errorf("hub %s class %d protocol %d address %d", in, dd.Class, dd.Protocol, in.Address)
	}
	if in.Descriptors.ProductName() != "USB2.0 Hub" || in.Descriptors.Serial() != "" || in.Descriptors.Manufacturer() != "" {
		t.Errorf("hub strings %q", in.Descriptors.Strings)
	}
	if e := in.Descriptors.Configs[0].Interfaces[0].Endpoints; len(e) != 1 || e[0].Address != 0x81 || e[0].Attributes != usb.TransferInterrupt {
		t.Errorf("hub endpoints %+v", e)
	}
}

// The fixtures' descriptors re-encode to the same bytes with package usb's
// encoder: what sysfs holds is what a GET_DESCRIPTOR would return.
func TestDescriptorsRoundTrip(t *testing.T) {
	for _, f := range []string{"app/1-1", "app/1-1.2", "app/usb1", "rom/1-1.2"} {
		raw, err := os.ReadFile(filepath.Join("testdata/sysfs", f, "descriptors"))
		if err != nil {
			t.Fatal(err)
		}
		ds, err := parseDescriptors(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got := ds.Device.Marshal()
		for _, c := range ds.Configs {
			got = append(got, c.Marshal()...)
		}
		if !bytes.Equal(got, raw) {
			t.Errorf("%s: re-encoded\n% x\nwant\n% x", f, got, raw)
		}
	}
}

func TestParseDescriptorsErrors(t *testing.T) {
	rom, err := os.ReadFile(filepath.Join(romTree, "1-1.2", "descriptors"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		b       []byte
		configs int
		wantErr string
	}{
		{"whole", rom, 1, ""},
		{"device only", rom[:18], 0, ""},
		{"two configurations", append(append([]byte(nil), rom...), rom[18:]...), 2, ""},
		{"empty", nil, 0, "0 bytes"},
		{"short device", rom[:17], 0, "17 bytes"},
		{"not a device descriptor", append([]byte{18, 2}, rom[2:]...), 0, "at byte 0"},
		{"truncated configuration", rom[:40], 0, "configuration at byte 18: type 0x02, wTotalLength 54, 22 bytes left"},
		{"stray bytes", append(append([]byte(nil), rom...), 9, 2), 0, "2 stray bytes at byte 72"},
		{"bad inner descriptor", func() []byte { b := append([]byte(nil), rom...); b[27] = 0; return b }(), 0, "configuration at byte 18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := parseDescriptors(tt.b)
			if tt.wantErr == "" {
				if err != nil || len(ds.Configs) != tt.configs {
					t.Fatalf("got %d configurations, err %v; want %d", len(ds.Configs), err, tt.configs)
				}
				return
			}
			if err == nil || !errors.Is(err, errDescriptors) || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// A device whose descriptors attribute is broken stays visible, described
// by its attribute files.
func TestScanBrokenDescriptors(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "3-4")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"busnum": "3\n", "devnum": "17\n", "idVendor": "0483\n", "idProduct": "df11\n",
		"bcdDevice": "2200\n", "bDeviceClass": "00\n", "bNumConfigurations": "1\n", "descriptors": "\x12\x01", "serial": "X\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := scan(context.Background(), root, "/dev")
	if err != nil || len(ds) != 1 {
		t.Fatalf("scan: %v, %d devices", err, len(ds))
	}
	in := ds[0].info
	if in.ID() != "0483:df11" || in.Bus != 3 || in.Address != 17 || in.Descriptors.Device.Device != 0x2200 || len(in.Descriptors.Configs) != 0 {
		t.Errorf("got %s bus %d address %d %+v", in, in.Bus, in.Address, in.Descriptors)
	}
}

func TestPortOrder(t *testing.T) {
	tests := []struct {
		a, b string
		less bool
	}{
		{"1-2", "1-10", true},
		{"1-10", "1-2", false},
		{"1-1", "1-1.1", true},
		{"1-1.2", "1-1.10", true},
		{"2-1", "10-1", true},
		{"1-1", "1-1", false},
	}
	for _, tt := range tests {
		if g := portLess(tt.a, tt.b); g != tt.less {
			t.Errorf("portLess(%q, %q) = %v", tt.a, tt.b, g)
		}
	}
}

func TestIsDeviceName(t *testing.T) {
	for name, want := range map[string]bool{"1-1": true, "1-1.4": true, "12-3.1.2": true,
		"usb1": false, "1-1:1.0": false, "": false, "../x": false, "1-1/..": false} {
		if g := isDeviceName(name); g != want {
			t.Errorf("isDeviceName(%q) = %v", name, g)
		}
	}
}

func FuzzParseDescriptors(f *testing.F) {
	for _, p := range []string{"app/1-1", "app/1-1.2", "app/usb1", "rom/1-1.2"} {
		b, err := os.ReadFile(filepath.Join("testdata/sysfs", p, "descriptors"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := parseDescriptors(b)
		if err != nil {
			return
		}
		// Whatever parses holds a device descriptor taken from the first
		// 18 bytes, and its configurations cover the rest exactly.
		if ds.Device.Vendor != uint16(b[8])|uint16(b[9])<<8 || ds.Device.Product != uint16(b[10])|uint16(b[11])<<8 {
			t.Fatalf("vendor/product %04x:%04x do not match bytes % x", ds.Device.Vendor, ds.Device.Product, b[8:12])
		}
		n := 18
		for _, c := range ds.Configs {
			_ = c.NumInterfaces()
			n += int(b[n+2]) | int(b[n+3])<<8
		}
		if n != len(b) {
			t.Fatalf("configurations cover %d of %d bytes", n, len(b))
		}
	})
}

// TestNoBus: a system without /sys/bus/usb says so in library terms (no
// command-line flags; a front end adds its hint) and is ErrNoBus and
// usb.ErrNotFound.
func TestNoBus(t *testing.T) {
	_, err := scan(context.Background(), filepath.Join(t.TempDir(), "no-such-dir"), "")
	if !errors.Is(err, ErrNoBus) || !errors.Is(err, usb.ErrNotFound) {
		t.Fatalf("err %v, want ErrNoBus and usb.ErrNotFound", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "shows no USB bus") || strings.Contains(msg, "--") || strings.Contains(msg, "no such device") {
		t.Errorf("message %q: want the missing bus, no flag names, no trailing sentinel text", msg)
	}
}
