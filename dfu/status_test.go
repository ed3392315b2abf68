package dfu

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/usb"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   []byte
		want Status
		err  string
	}{
		{[]byte{0, 0x64, 0, 0, 4, 0}, Status{OK, 100 * time.Millisecond, StateDnbusy, 0}, ""},
		{[]byte{0x0a, 0, 0, 0, 10, 0}, Status{ErrFirmware, 0, StateError, 0}, ""},
		{[]byte{0x0b, 0x01, 0x02, 0x03, 10, 7}, Status{ErrVendor, 0x030201 * time.Millisecond, StateError, 7}, ""},
		{[]byte{0, 0xff, 0xff, 0xff, 2, 0}, Status{OK, 0xffffff * time.Millisecond, StateIdle, 0}, ""},
		{[]byte{0, 0, 0, 0, 2}, Status{}, "is 5 bytes"},
		{nil, Status{}, "is 0 bytes"},
		{[]byte{0, 0, 0, 0, 11, 0}, Status{}, "byte 4 holds state 11"},
		{[]byte{16, 0, 0, 0, 2, 0}, Status{}, "byte 0 holds status 16"},
	}
	for _, tt := range tests {
		got, err := ParseStatus(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseStatus(% x) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseStatus(% x) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if m := got.Marshal(); !reflect.DeepEqual(m[:], tt.in) {
			t.Errorf("Marshal(%+v) = % x, want % x", got, m, tt.in)
		}
	}
	if got := (Status{PollTimeout: time.Hour * 24 * 365}).Marshal(); got[1] != 0xff || got[3] != 0xff {
		t.Errorf("huge poll timeout not clamped: % x", got)
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{ReqDnload.String(), "DNLOAD"},
		{ReqAbort.String(), "ABORT"},
		{Request(9).String(), "request(9)"},
		{StateDnloadIdle.String(), "dfuDNLOAD-IDLE"},
		{StateError.String(), "dfuERROR"},
		{State(11).String(), "state(11)"},
		{ErrCheckErased.String(), "errCHECK_ERASED"},
		{ErrUSBReset.String(), "errUSBR"},
		{ErrStalledPkt.String(), "errSTALLEDPKT"},
		{Code(16).String(), "status(16)"},
		{ErrTarget.Description(), "file is not targeted for use by this device"},
		{Code(16).Description(), "status code not defined by DFU 1.1"},
		{Status{Status: OK, PollTimeout: 5 * time.Millisecond, State: StateDnbusy}.String(), "dfuDNBUSY/OK poll 5ms"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	for c := OK; c <= ErrStalledPkt; c++ {
		if strings.HasPrefix(c.String(), "status(") || c.Description() == "" {
			t.Errorf("code %d has no name or description", c)
		}
	}
}

func TestFunctional(t *testing.T) {
	rom := []byte{9, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01}
	f, err := ParseFunctional(rom)
	want := Functional{Attributes: 0x0b, DetachTimeout: 255, TransferSize: 2048, Version: VersionDfuSe}
	if err != nil || f != want || !f.DfuSe() {
		t.Fatalf("ParseFunctional(ROM) = %+v, %v; want %+v", f, err, want)
	}
	if got := f.Marshal(); !reflect.DeepEqual(got, rom) {
		t.Errorf("Marshal = % x, want % x", got, rom)
	}
	if got, want := f.String(), "DFU 1.1a transfer size 2048 detach timeout 255 ms attributes 0x0b (download,upload,will-detach)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	old, err := ParseFunctional([]byte{7, 0x21, 0x03, 0x10, 0, 0x40, 0})
	if err != nil || old.Version != 0x0100 || old.TransferSize != 64 {
		t.Errorf("DFU 1.0 descriptor = %+v, %v", old, err)
	}
	for _, bad := range [][]byte{nil, {9}, {9, 0x24, 0, 0, 0, 0, 0, 0, 0}, {9, 0x21, 0, 0}, {8, 0x21, 0, 0, 0, 0, 0, 0, 0}} {
		if _, err := ParseFunctional(bad); err == nil {
			t.Errorf("ParseFunctional(% x) succeeded", bad)
		}
	}
}

func FuzzParseFunctional(f *testing.F) {
	f.Add([]byte{9, 0x21, 0x0b, 0xff, 0x00, 0x00, 0x08, 0x1a, 0x01})
	f.Add([]byte{7, 0x21, 0x03, 0x10, 0, 0x40, 0})
	f.Add([]byte{9, 0x21})
	f.Fuzz(func(t *testing.T, b []byte) {
		fd, err := ParseFunctional(b)
		if err != nil || b[0] != FunctionalLen {
			return
		}
		if again, err := ParseFunctional(fd.Marshal()); err != nil || again != fd {
			t.Fatalf("round trip of % x: %+v, %v", b, again, err)
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte{0, 0x64, 0, 0, 4, 0})
	f.Add([]byte{0x0a, 0, 0, 0, 10, 0})
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatus(b)
		if err != nil {
			return
		}
		if m := st.Marshal(); string(m[:]) != string(b) {
			t.Fatalf("round trip of % x gives % x", b, m)
		}
	})
}

func TestFindInterfaces(t *testing.T) {
	fd := Functional{Attributes: 0x0b, DetachTimeout: 255, TransferSize: 2048, Version: VersionDfuSe}
	rom := usb.ConfigDescriptor{Value: 1, Interfaces: []usb.InterfaceDescriptor{
		{Number: 0, Alternate: 0, Class: 0xfe, SubClass: 1, Protocol: 2, StringIndex: 4},
		{Number: 0, Alternate: 1, Class: 0xfe, SubClass: 1, Protocol: 2, StringIndex: 5},
		{Number: 0, Alternate: 2, Class: 0xfe, SubClass: 1, Protocol: 2, StringIndex: 6},
		{Number: 0, Alternate: 3, Class: 0xfe, SubClass: 1, Protocol: 2, StringIndex: 7, Extra: [][]byte{fd.Marshal()}},
	}}
	// Round trip through the wire form, as a backend would see it.
	cfg, err := usb.ParseConfigDescriptor(rom.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	got := FindInterfaces(cfg)
	want := []Interface{{Number: 0, Protocol: ProtocolDFUMode, Alts: []Alt{{0, 4}, {1, 5}, {2, 6}, {3, 7}}, Functional: fd, HasFunctional: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FindInterfaces(ROM) = %+v\nwant %+v", got, want)
	}
	app := usb.ConfigDescriptor{Extra: [][]byte{fd.Marshal()}, Interfaces: []usb.InterfaceDescriptor{
		{Number: 0, Class: 2, SubClass: 2, Protocol: 1},
		{Number: 1, Class: 10},
		{Number: 2, Class: 0xfe, SubClass: 1, Protocol: 1, StringIndex: 9},
	}}
	got = FindInterfaces(app)
	want = []Interface{{Number: 2, Protocol: ProtocolRunTime, Alts: []Alt{{0, 9}}, Functional: fd, HasFunctional: true}}
	if !reflect.DeepEqual(got, want) || !got[0].RunTime() {
		t.Errorf("FindInterfaces(app) = %+v\nwant %+v", got, want)
	}
	if got := FindInterfaces(usb.ConfigDescriptor{}); len(got) != 0 {
		t.Errorf("FindInterfaces(empty) = %+v", got)
	}
}

func TestStatusError(t *testing.T) {
	e := &StatusError{Op: "set address 0x09000000", State: StateError, Status: ErrTarget}
	want := "dfu: set address 0x09000000: device in dfuERROR with errTARGET (file is not targeted for use by this device): the address is outside"
	if !strings.HasPrefix(e.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", e.Error(), want)
	}
	wrapped := fmt.Errorf("flash: %w", &StatusError{Op: "read", State: StateError, Status: ErrVendor, Err: usb.ErrStall})
	var se *StatusError
	if !errors.As(wrapped, &se) || se.Status != ErrVendor || !errors.Is(wrapped, usb.ErrStall) {
		t.Errorf("errors.As/Is through %%w failed on %v", wrapped)
	}
	busy := &StatusError{Op: "mass erase", State: StateDnbusy, Err: fmt.Errorf("%w after 40s", ErrStillBusy)}
	if !errors.Is(busy, ErrStillBusy) || !strings.Contains(busy.Error(), "raise the timeout") {
		t.Errorf("busy error = %v", busy)
	}
	for c := OK; c <= ErrStalledPkt; c++ {
		if (&StatusError{Status: c}).Remedy() == "" {
			t.Errorf("no remedy for %v", c)
		}
	}
}
