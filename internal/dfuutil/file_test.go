package dfuutil

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/softdfu/softdfu/firmware/suffix"
)

func withSuffix(body []byte, vid, pid, dfuVer uint16) []byte {
	return suffix.Append(append([]byte(nil), body...), suffix.Suffix{Device: 0xffff, Product: pid, Vendor: vid, DFU: dfuVer})
}

func TestLoadFileSuffix(t *testing.T) {
	body := bytes.Repeat([]byte{7}, 100)
	good := withSuffix(body, 0x0483, 0xdf11, suffix.DfuSe)
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-1] ^= 1
	badLen := bytes.Clone(good)
	badLen[len(badLen)-5] = 8
	binary.LittleEndian.PutUint32(badLen[len(badLen)-4:], suffix.CRC(badLen[:len(badLen)-4]))
	hugeLen := bytes.Clone(good)[len(good)-16:]
	hugeLen[11] = 200
	binary.LittleEndian.PutUint32(hugeLen[12:], suffix.CRC(hugeLen[:12]))
	for _, c := range []struct {
		name    string
		in      []byte
		warn    string
		code    int
		dataLen int
		vid     int
	}{
		{"short", []byte("tiny"), "Warning: File too short for DFU suffix", 0, 4, 0xffff},
		{"no suffix", body, "Warning: Invalid DFU suffix signature", 0, 100, 0xffff},
		{"bad crc", badCRC, "Warning: DFU suffix CRC does not match", 0, len(badCRC), 0xffff},
		{"good", good, "", 0, 100, 0x0483},
		{"short length", badLen, "", ExDataErr, 0, 0},
		{"length past the file", hugeLen, "", ExDataErr, 0, 0},
	} {
		f, err := loadFile("-", bytes.NewReader(c.in))
		if c.code != 0 {
			var xe *exitError
			if !errors.As(err, &xe) || xe.code != c.code {
				t.Errorf("%s: %v, want exit %d", c.name, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(f.Data) != c.dataLen || f.Vendor != c.vid {
			t.Errorf("%s: %d bytes, vendor %04x; want %d, %04x", c.name, len(f.Data), f.Vendor, c.dataLen, c.vid)
		}
		if c.warn == "" && len(f.Warnings) != 0 || c.warn != "" && (len(f.Warnings) != 2 || f.Warnings[0] != c.warn) {
			t.Errorf("%s: warnings %q, want %q", c.name, f.Warnings, c.warn)
		}
	}
}

func TestCheckFileID(t *testing.T) {
	root := found{Interface: Interface{DFU: true, Vendor: 0x0483, Product: 0xdf11}}
	for _, c := range []struct {
		args     string
		vid, pid int
		ok       bool
	}{
		{"", 0xffff, 0xffff, true},
		{"", 0x0483, 0xdf11, true},
		{"-d 1234:5678", 0x0483, 0xdf11, true},  // matches the DFU-mode IDs
		{"-d 1234:5678", 0x1234, 0x5678, true},  // matches the run-time IDs given
		{"-d 1111:2222", 0x1234, 0x5678, false}, // matches neither
	} {
		a := &Args{Vendor: Any, Product: Any}
		if c.args != "" {
			a.parseDevice(c.args[3:])
		}
		r := &runner{a: a, file: &dfuFile{Vendor: c.vid, Product: c.pid}}
		err := r.checkFileID(root)
		if (err == nil) != c.ok {
			t.Errorf("%q, file %04x:%04x: %v", c.args, c.vid, c.pid, err)
		}
	}
}

func FuzzLoadFile(f *testing.F) {
	f.Add([]byte("tiny"))
	f.Add(withSuffix([]byte("0123456789"), 0x0483, 0xdf11, suffix.DfuSe))
	f.Fuzz(func(t *testing.T, b []byte) {
		df, err := loadFile("-", bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(df.Data) > len(b) || !bytes.Equal(df.Data, b[:len(df.Data)]) {
			t.Fatalf("data is not a prefix of the file")
		}
	})
}
