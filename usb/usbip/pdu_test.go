package usbip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// h decodes hex with spaces; z is n zero bytes; s is str padded to n bytes.
func h(t testing.TB, x string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(x, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func z(n int) string { return strings.Repeat("00", n) }

func s(str string, n int) string { return hex.EncodeToString([]byte(str)) + z(n-len(str)) }

var romDevice = Device{
	Path: "/sys/devices/platform/softdfu/usb1/1-1", BusID: "1-1", BusNum: 1, DevNum: 5, Speed: 2,
	Vendor: 0x0483, Product: 0xdf11, BCDDevice: 0x2200, ConfigurationValue: 1, NumConfigurations: 1,
	NumInterfaces: 1, Interfaces: []Interface{{0xfe, 0x01, 0x02}},
}

const romRecord = "00000001 00000005 00000002 0483 df11 2200 00 00 00 01 01 01"

func TestEncode(t *testing.T) {
	path := s("/sys/devices/platform/softdfu/usb1/1-1", 256) + s("1-1", 32)
	imp := romDevice
	imp.Interfaces = nil
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"OP_REQ_DEVLIST", DevlistRequest(), "0111 8005 00000000"},
		{"OP_REP_DEVLIST empty", DevlistReply{}.Marshal(), "0111 0005 00000000 00000000"},
		{"OP_REP_DEVLIST", DevlistReply{Devices: []Device{romDevice}}.Marshal(),
			"0111 0005 00000000 00000001" + path + romRecord + "fe 01 02 00"},
		{"OP_REQ_IMPORT", ImportRequest{BusID: "1-2"}.Marshal(), "0111 8003 00000000" + s("1-2", 32)},
		{"OP_REP_IMPORT ok", ImportReply{Device: imp}.Marshal(), "0111 0003 00000000" + path + romRecord},
		{"OP_REP_IMPORT busy", ImportReply{Status: StatusDevBusy, Device: imp}.Marshal(), "0111 0003 00000002"},
		{"CMD_SUBMIT control IN", CmdSubmit{Basic: Basic{Seqnum: 1, DevID: 0x00010005, Direction: DirIn},
			TransferFlags: 0x200, TransferBufferLength: 18, NumberOfPackets: NoISO,
			Setup: [8]byte{0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x12, 0x00}}.Marshal(),
			"00000001 00000001 00010005 00000001 00000000 00000200 00000012 00000000 ffffffff 00000000 8006000100001200"},
		{"CMD_SUBMIT control OUT with data", CmdSubmit{Basic: Basic{Seqnum: 0x1234, DevID: 0x00010005, Direction: DirOut},
			TransferBufferLength: 5, NumberOfPackets: NoISO,
			Setup: [8]byte{0x21, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00}, Data: []byte{0x21, 0, 0, 0, 8}}.Marshal(),
			"00000001 00001234 00010005 00000000 00000000 00000000 00000005 00000000 ffffffff 00000000 2101000000000500 2100000008"},
		{"CMD_SUBMIT bulk IN", CmdSubmit{Basic: Basic{Seqnum: 7, DevID: 0x00010005, Direction: DirIn, Ep: 1},
			TransferBufferLength: 64, NumberOfPackets: NoISO}.Marshal(),
			"00000001 00000007 00010005 00000001 00000001 00000000 00000040 00000000 ffffffff 00000000" + z(8)},
		{"RET_SUBMIT IN data", RetSubmit{Basic: Basic{Seqnum: 1}, ActualLength: 2, NumberOfPackets: NoISO, Data: []byte{0x12, 0x01}}.Marshal(),
			"00000003 00000001 00000000 00000000 00000000 00000000 00000002 00000000 ffffffff 00000000" + z(8) + "1201"},
		{"RET_SUBMIT stall", RetSubmit{Basic: Basic{Seqnum: 2}, Status: EPIPE}.Marshal(),
			"00000003 00000002 00000000 00000000 00000000 ffffffe0 00000000 00000000 00000000 00000000" + z(8)},
		{"CMD_UNLINK", CmdUnlink{Basic: Basic{Seqnum: 5, DevID: 0x00010005, Ep: 1, Direction: DirIn}, UnlinkSeqnum: 3}.Marshal(),
			"00000002 00000005 00010005 00000001 00000001 00000003" + z(24)},
		{"RET_UNLINK reset", RetUnlink{Basic: Basic{Seqnum: 5}, Status: ECONNRESET}.Marshal(),
			"00000004 00000005 00000000 00000000 00000000 ffffff98" + z(24)},
		{"RET_UNLINK already done", RetUnlink{Basic: Basic{Seqnum: 6}}.Marshal(),
			"00000004 00000006 00000000 00000000 00000000 00000000" + z(24)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := h(t, tt.want); !bytes.Equal(tt.got, want) {
				t.Errorf("encoding\n got % x\nwant % x", tt.got, want)
			}
		})
	}
}

func TestHeaderSizes(t *testing.T) {
	for name, n := range map[string]int{
		"CMD_SUBMIT": len(CmdSubmit{}.Marshal()), "RET_SUBMIT": len(RetSubmit{}.Marshal()),
		"CMD_UNLINK": len(CmdUnlink{}.Marshal()), "RET_UNLINK": len(RetUnlink{}.Marshal()),
	} {
		if n != HeaderSize {
			t.Errorf("%s header is %d bytes, want %d", name, n, HeaderSize)
		}
	}
	if n := len(Device{}.append(nil, false)); n != DeviceRecordSize {
		t.Errorf("device record is %d bytes, want %d", n, DeviceRecordSize)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	rep, err := ReadDevlistReply(bytes.NewReader(DevlistReply{Devices: []Device{romDevice, {BusID: "1-2", NumInterfaces: 0}}}.Marshal()))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Device{romDevice, {BusID: "1-2"}}; !reflect.DeepEqual(rep.Devices, want) {
		t.Errorf("devlist = %+v, want %+v", rep.Devices, want)
	}
	imp := romDevice
	imp.Interfaces = nil
	ir, err := ReadImportReply(bytes.NewReader(ImportReply{Device: imp}.Marshal()))
	if err != nil || !reflect.DeepEqual(ir.Device, imp) {
		t.Errorf("import reply = %+v, %v; want %+v", ir.Device, err, imp)
	}
	r := bytes.NewReader(ImportRequest{BusID: "2-7"}.Marshal())
	if oh, err := ReadOpHeader(r); err != nil || oh.Code != OpReqImport {
		t.Fatalf("op header = %+v, %v", oh, err)
	}
	if q, err := ReadImportBody(r); err != nil || q.BusID != "2-7" {
		t.Errorf("import body = %+v, %v", q, err)
	}

	cmds := []any{
		&CmdSubmit{Basic: Basic{Command: CmdSubmitCode, Seqnum: 9, DevID: 3, Direction: DirOut, Ep: 2}, TransferBufferLength: 3, NumberOfPackets: NoISO, Data: []byte{1, 2, 3}, Interval: 4},
		&CmdSubmit{Basic: Basic{Command: CmdSubmitCode, Seqnum: 10, Direction: DirIn, Ep: 0}, TransferBufferLength: 255, Setup: [8]byte{0x80, 6, 0, 3, 9, 4, 255, 0}},
		&CmdUnlink{Basic: Basic{Command: CmdUnlinkCode, Seqnum: 11}, UnlinkSeqnum: 10},
	}
	for _, c := range cmds {
		var b []byte
		switch c := c.(type) {
		case *CmdSubmit:
			b = c.Marshal()
		case *CmdUnlink:
			b = c.Marshal()
		}
		got, err := ReadCommand(bytes.NewReader(b))
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("ReadCommand = %+v, %v; want %+v", got, err, c)
		}
	}
	rets := []any{
		&RetSubmit{Basic: Basic{Command: RetSubmitCode, Seqnum: 10}, ActualLength: 2, Data: []byte{4, 3}},
		&RetSubmit{Basic: Basic{Command: RetSubmitCode, Seqnum: 9}, ActualLength: 3},
		&RetUnlink{Basic: Basic{Command: RetUnlinkCode, Seqnum: 11}, Status: ECONNRESET},
	}
	in := func(seq uint32) bool { return seq == 10 }
	for _, c := range rets {
		var b []byte
		switch c := c.(type) {
		case *RetSubmit:
			b = c.Marshal()
		case *RetUnlink:
			b = c.Marshal()
		}
		got, err := ReadReturn(bytes.NewReader(b), in)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("ReadReturn = %+v, %v; want %+v", got, err, c)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	submit := func(dir, ep uint32, length, packets int32) []byte {
		return CmdSubmit{Basic: Basic{Seqnum: 1, Direction: dir, Ep: ep}, TransferBufferLength: length, NumberOfPackets: packets}.Marshal()
	}
	tests := []struct {
		name      string
		in        []byte
		malformed bool
		want      string
	}{
		{"huge length", submit(DirOut, 1, 0x7fffffff, NoISO), true, "transfer_buffer_length 2147483647 at byte 24 is outside 0..1048576"},
		{"negative length", submit(DirIn, 1, -5, NoISO), true, "transfer_buffer_length -5"},
		{"iso", submit(DirIn, 1, 8, 3), true, "isochronous"},
		{"bad direction", submit(7, 1, 0, NoISO), true, "direction 7 at byte 12"},
		{"bad endpoint", submit(DirIn, 16, 0, NoISO), true, "endpoint 16 at byte 16"},
		{"ret on server", RetUnlink{}.Marshal(), true, "command 0x4 at byte 0"},
		{"short header", submit(DirIn, 1, 0, NoISO)[:47], false, "unexpected EOF"},
		{"short data", submit(DirOut, 1, 10, NoISO), false, "reading 10 OUT bytes of URB 1: EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCommand(bytes.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, ErrMalformed) != tt.malformed {
				t.Errorf("ReadCommand error = %v, want %q (malformed %v)", err, tt.want, tt.malformed)
			}
		})
	}
	big := RetSubmit{ActualLength: MaxTransferLength + 1}.Marshal()
	if _, err := ReadReturn(bytes.NewReader(big), func(uint32) bool { return true }); !errors.Is(err, ErrMalformed) {
		t.Errorf("ReadReturn of huge actual_length: %v, want ErrMalformed", err)
	}
	many := h(t, "0111 0005 00000000 7fffffff")
	if _, err := ReadDevlistReply(bytes.NewReader(many)); !errors.Is(err, ErrMalformed) {
		t.Errorf("ReadDevlistReply of 2^31 devices: %v, want ErrMalformed", err)
	}
	if _, err := ReadOpHeader(bytes.NewReader(h(t, "0106 8005 00000000"))); !errors.Is(err, ErrMalformed) {
		t.Errorf("ReadOpHeader of version 0x0106: %v, want ErrMalformed", err)
	}
	if _, err := ReadOpHeader(bytes.NewReader(nil)); !errors.Is(err, io.EOF) {
		t.Errorf("ReadOpHeader of nothing: %v, want EOF", err)
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder; the first byte picks
// which. Decoded URBs must encode back to the bytes they came from.
func FuzzDecode(f *testing.F) {
	f.Add(append([]byte{0}, CmdSubmit{Basic: Basic{Seqnum: 1, Direction: DirOut}, TransferBufferLength: 2, NumberOfPackets: NoISO, Data: []byte{1, 2}}.Marshal()...))
	f.Add(append([]byte{0}, CmdUnlink{Basic: Basic{Seqnum: 2}, UnlinkSeqnum: 1}.Marshal()...))
	f.Add(append([]byte{1}, RetSubmit{Basic: Basic{Seqnum: 1}, ActualLength: 1, Data: []byte{9}}.Marshal()...))
	f.Add(append([]byte{1}, RetUnlink{Basic: Basic{Seqnum: 2}, Status: ECONNRESET}.Marshal()...))
	f.Add(append([]byte{2}, DevlistReply{Devices: []Device{romDevice}}.Marshal()...))
	f.Add(append([]byte{3}, ImportReply{Device: romDevice}.Marshal()...))
	f.Add(append([]byte{4}, ImportRequest{BusID: "1-1"}.Marshal()...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		r := bytes.NewReader(b[1:])
		switch b[0] % 5 {
		case 0:
			p, err := ReadCommand(r)
			if err != nil {
				return
			}
			var enc []byte
			switch p := p.(type) {
			case *CmdSubmit:
				enc = p.Marshal()
			case *CmdUnlink:
				enc = p.Marshal()
				copy(enc[24:], b[1+24:1+48]) // padding is not kept
			}
			if !bytes.Equal(enc, b[1:1+len(enc)]) {
				t.Errorf("re-encoding differs:\n got % x\nwant % x", enc, b[1:1+len(enc)])
			}
		case 1:
			ReadReturn(r, func(seq uint32) bool { return seq%2 == 1 })
		case 2:
			ReadDevlistReply(r)
		case 3:
			ReadImportReply(r)
		case 4:
			if _, err := ReadOpHeader(r); err == nil {
				ReadImportBody(r)
			}
		}
	})
}
