package usbtest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/usb"
)

// echo is a device that answers every IN request with bytes 0, 1, 2...
// and stalls request 0x7f.
type echo struct{}

func (echo) Info() usb.DeviceInfo { return usb.DeviceInfo{Host: "echo"} }
func (echo) Control(ctx context.Context, s usb.Setup, data []byte) (int, error) {
	if s.Request == 0x7f {
		return 0, usb.ErrStall
	}
	if s.In() {
		for i := range data {
			data[i] = byte(i)
		}
	}
	return len(data), nil
}
func (echo) Claim(context.Context, uint8) error                   { return nil }
func (echo) SetAlternate(context.Context, uint8, uint8) error     { return nil }
func (echo) Transfer(context.Context, uint8, []byte) (int, error) { return 0, nil }
func (echo) Close() error                                         { return nil }

func exercise(d usb.Device) ([]byte, error) {
	ctx := context.Background()
	if err := d.Claim(ctx, 0); err != nil {
		return nil, err
	}
	if err := d.SetAlternate(ctx, 0, 1); err != nil {
		return nil, err
	}
	out := append(bytes.Repeat([]byte{0xff}, 40), 1, 2, 3)
	if _, err := d.Control(ctx, usb.ClassInterfaceOut(1, 2, 0, len(out)), out); err != nil {
		return nil, err
	}
	in := make([]byte, 6)
	n, err := d.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, len(in)), in)
	if err != nil {
		return nil, err
	}
	if _, err := d.Control(ctx, usb.ClassInterfaceIn(0x7f, 0, 0, 1), make([]byte, 1)); !errors.Is(err, usb.ErrStall) {
		return nil, errors.New("want a stall")
	}
	return in[:n], nil
}

func TestRecordPlayback(t *testing.T) {
	var tr bytes.Buffer
	rec := &Record{Device: echo{}, W: &tr}
	want, err := exercise(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tr.String(), "ff*40+010203") {
		t.Errorf("transcript does not compress the run of 0xff:\n%s", tr.String())
	}
	pb, err := Parse("t", strings.NewReader("# comment\n"+tr.String()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := exercise(pb)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("played back %x, recorded %x", got, want)
	}
	if err := pb.Done(); err != nil {
		t.Error(err)
	}
}

func TestPlaybackMismatch(t *testing.T) {
	var tr bytes.Buffer
	if _, err := exercise(&Record{Device: echo{}, W: &tr}); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(tr.String(), "ff*40+010203", "ff*40+010204", 1)
	pb, err := Parse("t.txt", strings.NewReader(changed))
	if err != nil {
		t.Fatal(err)
	}
	_, err = exercise(pb)
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("error %v, want ErrMismatch", err)
	}
	for _, want := range []string{"request 3 (t.txt line 3)", "want: control 21 01 0002", "data byte 42: want 0x04, got 0x03"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if !errors.Is(pb.Done(), ErrMismatch) {
		t.Error("Done forgot the mismatch")
	}

	short, _ := Parse("s", strings.NewReader("claim 0 ok\nalt 0 1 ok\n"))
	if _, err := exercise(short); err == nil || !strings.Contains(err.Error(), "past the end of s (2 requests)") {
		t.Errorf("error %v, want past the end", err)
	}
	long, _ := Parse("l", strings.NewReader(tr.String()+"claim 1 ok\n"))
	if _, err := exercise(long); err != nil {
		t.Fatal(err)
	}
	if err := long.Done(); err == nil || !strings.Contains(err.Error(), "stopped after 5 of 6 requests; next in l line 6: claim 1") {
		t.Errorf("Done: %v, want the unplayed request", err)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		"bogus\n":                                  "want control",
		"control a1 03 0000 0000 0006 > - ok\n":    "direction",
		"control 21 01 0000 0000 0001 > zz ok\n":   "not hex",
		"control 21 01 0000 0000 0001 > ff*0 ok\n": "HH*COUNT",
		"control 2x 01 0000 0000 0001 > - ok\n":    "setup field",
	} {
		_, err := Parse("x", strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "x line 1") {
			t.Errorf("Parse(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("control 21 01 0002 0000 0800 > ff*2048 ok\nclaim 0 ok\nalt 0 1 stall\n")
	f.Add("control a1 03 0000 0000 0006 < 0064000005+00 error:boom\n")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse("f", strings.NewReader(s))
		if err != nil {
			return
		}
		for _, o := range p.ops {
			again, err := parseOp(o.String())
			if err != nil || again.String() != o.String() {
				t.Fatalf("%q does not parse back: %v", o.String(), err)
			}
		}
	})
}
