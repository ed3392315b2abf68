package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/update"
	"github.com/softdfu/softdfu/usb/usbip"
)

func TestParseGuest(t *testing.T) {
	tests := []struct {
		name, out string
		want      map[string]InteropRun
		err       string
	}{
		{
			name: "softdfu and dfu-util",
			out: "--- x\nBENCH full-1MB softdfu rc=0 ns=1500000000 downloaded=0 user=12 kernel=67 idle=189\r\nnoise\n" +
				"BENCH full-1MB dfu-util rc=74 ns=2000000000 downloaded=1\n",
			want: map[string]InteropRun{
				"full-1MB softdfu":  {Case: "full-1MB", Tool: "softdfu", Elapsed: 1500 * time.Millisecond, OK: true, Guest: GuestCPU{Known: true, User: 120 * time.Millisecond, Kernel: 670 * time.Millisecond, Idle: 1890 * time.Millisecond}},
				"full-1MB dfu-util": {Case: "full-1MB", Tool: "dfu-util", Elapsed: 2 * time.Second, ExitCode: 74, OK: true},
			},
		},
		{
			name: "dfu-util 74 without the download",
			out:  "BENCH app-64K dfu-util rc=74 ns=5 downloaded=0\n",
			want: map[string]InteropRun{"app-64K dfu-util": {Case: "app-64K", Tool: "dfu-util", Elapsed: 5, ExitCode: 74}},
		},
		{
			name: "softdfu 74 is a failure",
			out:  "BENCH app-64K softdfu rc=74 ns=5 downloaded=1 user=-1 kernel=-1 idle=-1\n",
			want: map[string]InteropRun{"app-64K softdfu": {Case: "app-64K", Tool: "softdfu", Elapsed: 5, ExitCode: 74}},
		},
		{name: "nothing", out: "hello\n", err: "no BENCH line"},
		{name: "short line", out: "BENCH a b rc=0\n", err: "line 1"},
		{name: "bad number", out: "x\nBENCH a b rc=0 ns=1.5 downloaded=0\n", err: `line 2: "BENCH a b rc=0 ns=1.5 downloaded=0": "ns=1.5" is not NAME=INTEGER`},
		{name: "too long", out: "BENCH a b rc=0 ns=1 downloaded=0 user=1 kernel=2\n", err: "line 1"},
		{name: "negative time", out: "BENCH a b rc=0 ns=-3 downloaded=0\n", err: "negative time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseGuest(tc.out)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func FuzzParseGuest(f *testing.F) {
	f.Add("BENCH full-1MB softdfu rc=0 ns=1500000000 downloaded=0\n")
	f.Add("BENCH a dfu-util rc=74 ns=1 downloaded=1\nBENCH a b c d e\n")
	f.Add("BENCH a b rc= ns=x downloaded\n")
	f.Fuzz(func(t *testing.T, out string) {
		runs, err := parseGuest(out)
		if err != nil {
			return
		}
		for k, r := range runs {
			if r.Elapsed < 0 || k != r.Case+" "+r.Tool {
				t.Fatalf("run %q: %+v", k, r)
			}
		}
	})
}

func TestInteropGuestScript(t *testing.T) {
	s := interopGuest(3240, 4000, append([]InteropCase{WarmUpCase()}, InteropCases()...), InteropTools())
	for _, want := range []string{
		"bench warm-up 1 dfu-util dfu-util -a 0 -s 0x08000000:leave -D warm-up.bin\n",
		"usbip --tcp-port 3240 attach -r 10.0.2.2 -b 1-$b",
		`nc -w 60 10.0.2.2 4000`,
		"bench rebuild-all 1 softdfu softdfu flash --app-timeout 1ms rebuild-all.bin\n",
		"bench one-sector 1 softdfu-no-verify softdfu flash --no-verify --app-timeout 1ms one-sector.bin\n",
		"bench app-64K 1 dfu-util dfu-util -a 0 -s 0x08000000:leave -D app-64K.bin\n",
		"bench eight-boards 8 softdfu softdfu flash --all --app-timeout 1ms eight-boards.bin\n",
		"bench eight-boards 8 dfu-util dfu_util_all -a 0 -s 0x08000000:leave -D eight-boards.bin\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("guest script lacks %q", want)
		}
	}
}

// control sends one line to the server's control port and returns the
// answer, as the guest's nc does.
func control(t *testing.T, s *InteropServer, line string) string {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.ControlPort()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintln(c, line)
	ans, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return strings.TrimSpace(ans)
}

// TestInteropServer drives the host side of the comparison without a VM:
// the board is prepared over the control port, flashed by softdfu's
// engine through a USB/IP client (as the guest's kernel imports it), and
// checked; a second prepare brings back the starting content.
func TestInteropServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cases := InteropCases()
	s, err := StartInteropServer(ctx, cases, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := s.Board().Part()
	one := cases[2]
	if one.Name != "one-sector" {
		t.Fatalf("case 2 is %s", one.Name)
	}
	if got := control(t, s, "prepare one-sector"); got != "ready: starting content written, ROM bootloader running" {
		t.Fatalf("prepare: %q", got)
	}
	before := one.Before(p)
	if string(s.Board().Flash()[:len(before)]) != string(before) {
		t.Fatal("prepare did not write the starting content")
	}
	if got := control(t, s, "check one-sector softdfu"); !strings.HasPrefix(got, "FAILED: board 1 does not hold the image") {
		t.Errorf("check before flashing: %q", got)
	}

	host := usbip.NewHost(fmt.Sprintf("127.0.0.1:%d", s.USBIPPort()))
	devs, err := host.Devices(ctx)
	if err != nil || len(devs) != 8 {
		t.Fatalf("devices %v, %v: want the eight boards of eight-boards", devs, err)
	}
	img := &firmware.Image{Format: "bin", Segments: []firmware.Segment{{Address: p.FlashBase, Data: one.Image(p)}}}
	rep, err := update.Run(ctx, host, devs[0], img, update.Options{AppTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result == nil || rep.Result.Erased != 2 {
		t.Errorf("result %+v: want the changed sector and the boot unit (sector 0) erased", rep.Result)
	}
	if got := control(t, s, "check one-sector softdfu"); got != "ok: the board holds the image and runs the application (circuitpython)" {
		t.Errorf("check after flashing: %q", got)
	}
	done := s.checkResults()["one-sector softdfu"]
	if done.requests < rep.Transfers {
		t.Errorf("the host counted %d requests, fewer than the %d of the DFU session", done.requests, rep.Transfers)
	}
	if least := time.Duration(done.requests) * sim.DefaultUSBTiming.Frame; done.bus < least {
		t.Errorf("bus time %v for %d requests, less than a frame each (%v)", done.bus, done.requests, least)
	}

	if got := control(t, s, "prepare factory-full"); got != "ready: factory state, ROM bootloader running" {
		t.Fatalf("prepare: %q", got)
	}
	if b := s.Board(); string(b.Flash()) != string(s.factory) || b.State().Run != sim.RunROM {
		t.Errorf("prepare factory-full: the board is not back in its factory state in the ROM (%s)", b.State().Run)
	}
	for line, want := range map[string]string{
		"":                 "error: empty command",
		"prepare nope":     `error: unknown case "nope"`,
		"check nope x":     `error: unknown case "nope"`,
		"erase everything": `error: unknown command "erase everything"`,
	} {
		if got := s.Command(ctx, strings.Fields(line)); !strings.HasPrefix(got, want) {
			t.Errorf("%q: %q, want %q...", line, got, want)
		}
	}
}

func TestFlags(t *testing.T) {
	var out, errb strings.Builder
	if rc := run([]string{"-case", "one-sector,nope"}, &out, &errb); rc != 2 || !strings.Contains(errb.String(), `-case "nope": the cases are rebuild-all, factory-full, one-sector, app-64K, eight-boards`) {
		t.Errorf("unknown case: exit %d, %q", rc, errb.String())
	}
	errb.Reset()
	if rc := run([]string{"extra"}, &out, &errb); rc != 2 || !strings.Contains(errb.String(), "no arguments") {
		t.Errorf("argument: exit %d, %q", rc, errb.String())
	}
	got, err := pick(InteropCases(), "", true)
	if err != nil || len(got) != 3 || got[0].Name != "one-sector" {
		t.Errorf("quick: %v %v", got, err)
	}
}

func TestReport(t *testing.T) {
	res := []InteropResult{{Case: "app-64K", Ratio: 1.5, RatioNoVerify: 1.75, Runs: []InteropRun{
		{Tool: "softdfu", Elapsed: 2 * time.Second, OK: true, Transfers: 100, PerRequest: 3 * time.Millisecond, Overhead: time.Millisecond},
		{Tool: "softdfu-no-verify", Elapsed: 1500 * time.Millisecond, OK: true, Transfers: 80},
		{Tool: "dfu-util", Elapsed: 3 * time.Second, ExitCode: 1, Check: "FAILED: x", Transfers: 200, PerRequest: 2500 * time.Microsecond, Overhead: 1500 * time.Microsecond},
	}}}
	var w strings.Builder
	failed := report(&w, res, false)
	if !strings.Contains(w.String(), "1.50x   app-64K          2.000s     3.000s     1.500s   1.75x         100/80/200      3.00/2.50      1.00/1.50") || len(failed) != 1 {
		t.Errorf("table:\n%s\nfailed %q", w.String(), failed)
	}
	w.Reset()
	report(&w, res, true)
	if !strings.Contains(w.String(), `"dfu_util_s":3`) || !strings.Contains(w.String(), `"softdfu_overhead_ms":1`) {
		t.Errorf("json: %s", w.String())
	}
}

// TestBusTime: a transcript line's bus time is the USB model's frame and
// its data bytes; lines that are not requests cost nothing.
func TestBusTime(t *testing.T) {
	for line, want := range map[string]time.Duration{
		"1-1   0.027485 a1 02 0002 0000 0800 < 2048 00000220... ok":                    sim.DefaultUSBTiming.Cost(2048),
		"1-1   0.007263 a1 03 0000 0000 0006 < 6 0a0000000a00 ok":                      sim.DefaultUSBTiming.Cost(6),
		"1-1   5.186334 80 06 0600 0000 000a < 0 - usb: request stalled by the device": sim.DefaultUSBTiming.Frame,
		"": 0,
	} {
		if got := busTime(line); got != want {
			t.Errorf("busTime(%q) = %v, want %v", line, got, want)
		}
	}
}

func TestWarmedUp(t *testing.T) {
	tools := InteropTools()
	runs, checks := map[string]InteropRun{}, map[string]interopCheck{}
	for _, tool := range tools {
		runs["warm-up "+tool.Name] = InteropRun{OK: true}
		checks["warm-up "+tool.Name] = interopCheck{answer: "ok: the board holds the image"}
	}
	if err := warmedUp(tools, runs, checks); err != nil {
		t.Fatalf("every warm-up succeeded: %v", err)
	}
	checks["warm-up dfu-util"] = interopCheck{answer: "FAILED: board 1 does not hold the image"}
	if err := warmedUp(tools, runs, checks); err == nil || !strings.Contains(err.Error(), "warm-up with dfu-util failed") {
		t.Errorf("a failed host check: %v", err)
	}
	delete(runs, "warm-up softdfu")
	if err := warmedUp(tools, runs, checks); err == nil || !strings.Contains(err.Error(), "warm-up with softdfu failed") {
		t.Errorf("a missing run: %v", err)
	}
}

func TestGuestCPU(t *testing.T) {
	g := GuestCPU{Known: true, User: 630 * time.Millisecond, Kernel: 2040 * time.Millisecond, Idle: 1330 * time.Millisecond}
	if b := g.Busy(); b < 0.667 || b > 0.668 {
		t.Errorf("busy %v, want 2.67/4.00", b)
	}
	if got := g.PerRequest(1592); got != 1677135 {
		t.Errorf("per request %v, want 2.67 s / 1592", got)
	}
	if (GuestCPU{}).Busy() != -1 || (GuestCPU{}).PerRequest(10) != 0 || g.PerRequest(0) != 0 {
		t.Error("an unknown figure is not reported as one")
	}
}
