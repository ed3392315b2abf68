package usb

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSetupRoundTrip(t *testing.T) {
	s := Setup{RequestType: 0xA1, Request: 3, Value: 0x1234, Index: 2, Length: 6}
	b := s.Marshal()
	if !bytes.Equal(b[:], []byte{0xA1, 0x03, 0x34, 0x12, 0x02, 0x00, 0x06, 0x00}) {
		t.Fatalf("Marshal = % x", b)
	}
	got, err := ParseSetup(b[:])
	if err != nil || got != s {
		t.Fatalf("ParseSetup = %+v %v", got, err)
	}
	if !s.In() || s.Type() != TypeClass || s.Recipient() != RecipientInterface {
		t.Errorf("accessors wrong for %v", s)
	}
	if _, err := ParseSetup(b[:7]); err == nil {
		t.Error("short setup accepted")
	}
}

func sampleConfig() ConfigDescriptor {
	return ConfigDescriptor{
		Value: 1, Attributes: 0x80, MaxPower: 50,
		Extra: [][]byte{{8, DescInterfaceAssoc, 0, 2, 2, 2, 0, 0}},
		Interfaces: []InterfaceDescriptor{
			{Number: 0, Class: 2, SubClass: 2, StringIndex: 4, Extra: [][]byte{{5, DescCSInterface, 0, 0x10, 1}},
				Endpoints: []EndpointDescriptor{{Address: 0x83, Attributes: TransferInterrupt, MaxPacketSize: 64, Interval: 16}}},
			{Number: 1, Class: 0x0A, Endpoints: []EndpointDescriptor{{Address: 2, Attributes: TransferBulk, MaxPacketSize: 64}, {Address: 0x82, Attributes: TransferBulk, MaxPacketSize: 64}}},
			{Number: 2, Alternate: 0, Class: 0xFE, SubClass: 1, Protocol: 2},
			{Number: 2, Alternate: 1, Class: 0xFE, SubClass: 1, Protocol: 2, Extra: [][]byte{{9, DescDFUFunctional, 0x0B, 255, 0, 0, 8, 0x1A, 1}}},
		},
	}
}

func TestConfigRoundTrip(t *testing.T) {
	c := sampleConfig()
	b := c.Marshal()
	if b[4] != 3 {
		t.Errorf("bNumInterfaces = %d, want 3 (alt settings do not count)", b[4])
	}
	got, err := ParseConfigDescriptor(append(b, 0xEE)) // trailing bytes ignored
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	good := sampleConfig().Marshal()
	cases := map[string][]byte{
		"empty":           nil,
		"wrong type":      {9, 4, 9, 0, 0, 0, 0, 0, 0},
		"total too big":   append([]byte{9, 2, 200, 0}, good[4:]...),
		"zero length":     append(append([]byte{}, good[:9]...), 0, 0),
		"endpoint first":  {9, 2, 16, 0, 0, 1, 0, 0, 0, 7, 5, 0x81, 2, 64, 0, 0},
		"short interface": {9, 2, 14, 0, 1, 1, 0, 0, 0, 5, 4, 0, 0, 0},
	}
	for name, b := range cases {
		if len(b) >= 4 && b[1] == 2 && name == "zero length" {
			b[2] = byte(len(b))
		}
		if _, err := ParseConfigDescriptor(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, s := range []string{"", "STM32  BOOTLOADER", "µC ✓"} {
		got, err := ParseString(EncodeString(s))
		if err != nil || got != s {
			t.Errorf("round trip %q = %q %v", s, got, err)
		}
	}
	if _, err := ParseString([]byte{3, 3, 0}); err == nil {
		t.Error("odd-length string descriptor accepted")
	}
}

func TestDescriptorsAnswer(t *testing.T) {
	d := &Descriptors{
		Device:  DeviceDescriptor{USB: 0x200, MaxPacketSize0: 64, Vendor: 0x0483, Product: 0xdf11, SerialIndex: 3, NumConfigurations: 1},
		Configs: []ConfigDescriptor{sampleConfig()},
		Strings: map[uint8]string{3: "325E35633334"},
	}
	get := func(typ, idx uint8, n uint16) ([]byte, bool) {
		return d.Answer(Setup{RequestType: DirIn, Request: ReqGetDescriptor, Value: uint16(typ)<<8 | uint16(idx), Length: n})
	}
	b, ok := get(DescDevice, 0, 8)
	if !ok || len(b) != 8 {
		t.Fatalf("device descriptor cut to 8: %v %v", b, ok)
	}
	b, _ = get(DescDevice, 0, 64)
	dd, err := ParseDeviceDescriptor(b)
	if err != nil || dd != d.Device {
		t.Fatalf("device round trip %+v %v", dd, err)
	}
	if b, _ := get(DescString, 0, 255); !bytes.Equal(b, []byte{4, 3, 0x09, 0x04}) {
		t.Errorf("languages % x", b)
	}
	if _, ok := get(DescString, 9, 255); ok {
		t.Error("missing string answered")
	}
	if _, ok := get(DescConfiguration, 1, 255); ok {
		t.Error("missing configuration answered")
	}
	if d.Serial() != "325E35633334" || d.ProductName() != "" {
		t.Error("string accessors")
	}
}

func FuzzParseConfigDescriptor(f *testing.F) {
	f.Add(sampleConfig().Marshal())
	f.Add([]byte{9, 2, 9, 0, 0, 1, 0, 0x80, 50})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfigDescriptor(b)
		if err != nil {
			return
		}
		// What parses must re-encode to something that parses the same.
		c2, err := ParseConfigDescriptor(c.Marshal())
		if err != nil {
			t.Fatalf("re-encoded config does not parse: %v", err)
		}
		if len(c2.Interfaces) != len(c.Interfaces) {
			t.Fatalf("interfaces %d -> %d", len(c.Interfaces), len(c2.Interfaces))
		}
	})
}

func FuzzParseString(f *testing.F) {
	f.Add(EncodeString("STM32  BOOTLOADER"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseString(b)
		_, _ = ParseDeviceDescriptor(b)
	})
}

// TestUTF8Serial: a GD32-style serial sent as UTF-8 bytes, decoded as
// UTF-16LE by a host, is recovered, odd lengths included.
func TestUTF8Serial(t *testing.T) {
	for _, s := range []string{"", "3", "3CBJ", "GD32F405", "205A37A35430"} {
		seen := UTF16FromUTF8(s)
		if len(s) > 1 && seen == s {
			t.Fatalf("%q: a UTF-16LE decoder should not see the same string", s)
		}
		if got := UTF8FromUTF16(seen); got != s {
			t.Fatalf("UTF8FromUTF16(%q) = %q, want %q", seen, got, s)
		}
	}
	// The bytes of an even-length ASCII serial on the wire are the
	// descriptor's payload as such.
	d := EncodeString(UTF16FromUTF8("3CBJ"))
	if string(d[2:]) != "3CBJ" {
		t.Fatalf("wire bytes % x, want the UTF-8 bytes", d[2:])
	}
}

func FuzzUTF8FromUTF16(f *testing.F) {
	f.Add("3CBJ")
	f.Add("\u3433\uFFFD")
	f.Fuzz(func(t *testing.T, s string) {
		got := UTF8FromUTF16(s)
		if !utf8.ValidString(got) {
			t.Fatalf("UTF8FromUTF16(%q) = %q: not UTF-8", s, got)
		}
		ascii := strings.TrimRight(s, "\x00") == s
		for _, r := range s {
			ascii = ascii && r < 0x80
		}
		if ascii {
			if back := UTF8FromUTF16(UTF16FromUTF8(s)); back != s {
				t.Fatalf("ASCII %q round trip: %q", s, back)
			}
		}
	})
}
