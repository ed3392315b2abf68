package dropin

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/test/interop"
	"github.com/softdfu/softdfu/usb/usbip"
)

// dropInBoard is the host side of the drop-in comparison: the simulated
// board over USB/IP and a control port where the guest asks for a case's
// starting state ("prepare CASE": content written straight into the
// board's flash, factory option bytes, BOOT0 high, reset) and for a
// snapshot after a run ("snap CASE TOOL").
type dropInBoard struct {
	board   *sim.Board
	factory []byte
	options [][sim.OptionBlockSz]byte
	cases   map[string]DropInCase
	mu      sync.Mutex
	snaps   map[string]boardSnap
}

// boardSnap is the board's flash and option bytes after a run.
type boardSnap struct {
	flash   []byte
	options [][sim.OptionBlockSz]byte
	run     sim.Run
}

func (s *dropInBoard) snap() boardSnap {
	b := s.board
	sn := boardSnap{flash: b.Flash(), run: b.State().Run}
	for i := range b.Part().OptionBlocks {
		sn.options = append(sn.options, b.OptionBytes(i))
	}
	return sn
}

func (s *dropInBoard) command(ctx context.Context, f []string) string {
	switch {
	case len(f) == 2 && f[0] == "prepare":
		c, ok := s.cases[f[1]]
		if !ok {
			return "error: unknown case " + f[1]
		}
		b := s.board
		if err := b.WriteFlash(b.Part().FlashBase, dropInStart(b.Part(), s.factory, c.Start)); err != nil {
			return "error: " + err.Error()
		}
		for i, o := range s.options {
			b.SetOptionBytes(i, o)
		}
		want := sim.RunROM
		if c.App {
			want = sim.RunApp
		}
		b.SetBoot0(!c.App)
		b.Reset()
		for deadline := time.Now().Add(10 * time.Second); b.State().Run != want; {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Sprintf("error: the board does not run %v", want)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return "ready"
	case len(f) == 3 && f[0] == "snap":
		// A leave may still be on its way: let the board settle.
		time.Sleep(200 * time.Millisecond)
		s.mu.Lock()
		s.snaps[f[1]+" "+f[2]] = s.snap()
		s.mu.Unlock()
		return "ok"
	}
	return "error: prepare CASE | snap CASE TOOL"
}

func (s *dropInBoard) serve(ctx context.Context, l net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		wg.Go(func() {
			defer c.Close()
			line, _ := bufio.NewReader(c).ReadString('\n')
			fmt.Fprintln(c, s.command(ctx, strings.Fields(line)))
		})
	}
}

// dropInGuest is the guest script: softdfu installed as /sd/dfu-util (a
// symlink, so it runs under that name), then each case with each tool.
func dropInGuest(usbipPort, ctrlPort int, cases []DropInCase) string {
	var b strings.Builder
	b.WriteString(interop.AttachScript(usbipPort))
	fmt.Fprintf(&b, `
ctl() { echo "$1" | nc -w 60 %[1]s %[2]d; }
# reattach stands in for the USB hub while a board re-enumerates: USB/IP
# imports a device once, so a board that comes back as its bootloader must
# be attached again.
reattach() { while true; do usbip --tcp-port %[3]d attach -r %[1]s -b 1-1 >/dev/null 2>&1; sleep 0.3; done; }
mkdir -p /sd /w && ln -s /usr/bin/softdfu /sd/dfu-util
# one CASE TOOL ENV ARGS: run one tool in its own directory and report.
one() {
	n=$1; tool=$2; env=$3; args=$4
	d=/w/$n-$tool; mkdir -p $d; cd $d; cp /data/* . 2>/dev/null
	[ "$EXISTS" = 1 ] && echo existing > up.bin
	if [ $tool = dfu-util ]; then cmd=/usr/bin/dfu-util; else cmd=/sd/dfu-util; fi
	[ "$REATTACH" = 1 ] && { reattach & rpid=$!; }
	eval "$env $cmd $args" >out.txt 2>&1
	rc=$?
	[ "$REATTACH" = 1 ] && kill $rpid
	tr '\r' '\n' <out.txt | grep -v '^\(Download\|Erase\|Upload\|Verify\)[[:space:]]*\[' | grep -v '^[[:space:]]*$' | tail -n 25 | sed "s/^/OUT $n $tool: /"
	grep '^Found' out.txt | sed "s/^/LIST $n $tool: /"
	[ -f up.bin ] && echo "FILE $n $tool $(wc -c <up.bin) $(sha256sum <up.bin | cut -d' ' -f1)"
	echo "RESULT $n $tool rc=$rc"
	cd /
}
# run CASE READONLY ENV ARGS: both tools from the case's starting state.
run() {
	n=$1
	detach; echo "--- $n: $(ctl "prepare $n")"; attach || { echo "ATTACH FAILED $n"; return; }
	one $n dfu-util "" "$4"
	if [ $2 = 0 ]; then
		ctl "snap $n dfu-util" >/dev/null
		detach; ctl "prepare $n" >/dev/null; attach || { echo "ATTACH FAILED $n"; return; }
	fi
	one $n softdfu "$3" "$4"
	ctl "snap $n softdfu" >/dev/null
}
`, interop.GuestHost, ctrlPort, usbipPort)
	for _, c := range cases {
		ro, env := 0, ""
		if c.ReadOnly {
			ro = 1
		}
		if c.Classic() {
			env = "SOFTDFU_DFU_UTIL_CLASSIC=1"
		}
		exists, reattach := 0, 0
		if c.Exists {
			exists = 1
		}
		if c.App {
			reattach = 1
		}
		fmt.Fprintf(&b, "EXISTS=%d REATTACH=%d run %s %d %q %q\n", exists, reattach, c.Name, ro, env, c.Args)
	}
	b.WriteString("detach\necho '--- done'\n")
	return b.String()
}

// dropInRun is what the guest reported for one tool in one case.
type dropInRun struct {
	rc   int
	list []string
	file string
	out  []string
}

var guestLine = regexp.MustCompile(`^(OUT|LIST|FILE|RESULT) (\S+) (dfu-util|softdfu):? ?(.*)$`)

func parseDropIn(out string) map[string]*dropInRun {
	runs := map[string]*dropInRun{}
	for _, line := range strings.Split(out, "\n") {
		m := guestLine.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if m == nil {
			continue
		}
		k := m[2] + " " + m[3]
		r := runs[k]
		if r == nil {
			r = &dropInRun{rc: -100}
			runs[k] = r
		}
		switch m[1] {
		case "OUT":
			r.out = append(r.out, m[4])
		case "LIST":
			r.list = append(r.list, m[4])
		case "FILE":
			r.file = m[4]
		case "RESULT":
			r.rc, _ = strconv.Atoi(strings.TrimPrefix(m[4], "rc="))
		}
	}
	return runs
}

// TestDropIn runs every DropInCases command line with Debian's dfu-util
// 0.11 and with softdfu started as dfu-util, in one VM boot, each from the
// same board state, and compares the exit codes, the board's flash and
// option bytes afterwards, the files -U wrote and the -l lines.
// SOFTDFU_DROPIN_CASES=list,download runs only those cases.
func TestDropIn(t *testing.T) {
	if !interop.Enabled() {
		t.Skipf("boots a QEMU VM for several minutes; set %s=1 to run", interop.EnvEnable)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	w, err := sim.New([]sim.Spec{{Board: DropInBoard, Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := w.Boards()[0]
	srv := &dropInBoard{board: b, factory: b.Flash(), cases: map[string]DropInCase{}, snaps: map[string]boardSnap{}}
	for i := range b.Part().OptionBlocks {
		srv.options = append(srv.options, b.OptionBytes(i))
	}
	cases := DropInCases()
	if want := os.Getenv("SOFTDFU_DROPIN_CASES"); want != "" {
		var picked []DropInCase
		for _, c := range cases {
			if strings.Contains(","+want+",", ","+c.Name+",") {
				picked = append(picked, c)
			}
		}
		cases = picked
	}
	for _, c := range cases {
		srv.cases[c.Name] = c
	}
	ul, err := usbip.Listen(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { usbip.NewServer(w, usbip.ServerOptions{}).Serve(sctx, ul) })
	wg.Go(func() { srv.serve(sctx, cl) })
	wg.Go(func() { <-sctx.Done(); cl.Close() })
	defer wg.Wait()
	defer stop()
	bin, err := interop.BuildSoftdfu(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	guest := dropInGuest(ul.Addr().(*net.TCPAddr).Port, cl.Addr().(*net.TCPAddr).Port, cases)
	res, err := interop.Run(ctx, guest, interop.Options{Files: dropInFiles(b.Part()), Softdfu: bin, Timeout: 20 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("VM run took %v for %d cases; guest output:\n%s", res.Elapsed.Round(time.Second), len(cases), res.Output)
	runs := parseDropIn(res.Output)
	var summary []string
	for _, c := range cases {
		verdict := compareDropIn(t, srv, c, runs[c.Name+" dfu-util"], runs[c.Name+" softdfu"])
		summary = append(summary, fmt.Sprintf("%-24s %s", c.Name, verdict))
	}
	sort.Strings(summary)
	t.Logf("%d cases:\n%s", len(cases), strings.Join(summary, "\n"))
}

// compareDropIn checks one case and returns a one-line verdict.
func compareDropIn(t *testing.T, srv *dropInBoard, c DropInCase, d, s *dropInRun) string {
	t.Helper()
	if d == nil || s == nil {
		t.Errorf("%s: the guest did not report both tools", c.Name)
		return "MISSING"
	}
	var bad []string
	switch {
	case c.Want == -1 && (d.rc != 0 && d.rc != 74):
		bad = append(bad, fmt.Sprintf("dfu-util exit %d, want 0 or 74", d.rc))
	case c.Want != -1 && d.rc != c.Want:
		bad = append(bad, fmt.Sprintf("dfu-util exit %d, the case expects %d", d.rc, c.Want))
	}
	switch {
	case c.Improves != "" && s.rc != c.SoftRC:
		bad = append(bad, fmt.Sprintf("softdfu exit %d, want %d (%s)", s.rc, c.SoftRC, c.Improves))
	case c.Improves != "":
	case c.Leave && s.rc != 0:
		bad = append(bad, fmt.Sprintf("softdfu exit %d after a leave, want 0", s.rc))
	case !c.Leave && s.rc != d.rc:
		bad = append(bad, fmt.Sprintf("exit %d (softdfu) vs %d (dfu-util)", s.rc, d.rc))
	}
	if strings.Join(s.list, "\n") != strings.Join(d.list, "\n") {
		bad = append(bad, fmt.Sprintf("-l lines differ:\n  softdfu:  %q\n  dfu-util: %q", s.list, d.list))
	}
	if s.file != d.file && !c.Exists {
		bad = append(bad, fmt.Sprintf("upload file: softdfu %q, dfu-util %q", s.file, d.file))
	}
	srv.mu.Lock()
	ss, okS := srv.snaps[c.Name+" softdfu"]
	ds, okD := srv.snaps[c.Name+" dfu-util"]
	srv.mu.Unlock()
	start := dropInStart(srv.board.Part(), srv.factory, c.Start)
	if c.ReadOnly {
		ds, okD = boardSnap{flash: start, options: srv.options}, true
	}
	note := ""
	switch {
	case !okS || !okD:
		bad = append(bad, "no board snapshot")
	case c.Improves != "" && (ss.run != c.SoftRun || ds.run != sim.RunApp):
		bad = append(bad, fmt.Sprintf("the board runs %v after softdfu (want %v) and %v after dfu-util (want the application)", ss.run, c.SoftRun, ds.run))
	default:
		if c.Improves != "" {
			note = "; " + c.Improves
		}
		if fmt.Sprint(ss.options) != fmt.Sprint(ds.options) {
			bad = append(bad, "option bytes differ")
		}
		n, kept := flashDiff(ss.flash, ds.flash, start)
		switch {
		case n == 0:
		case c.Keep && n == kept:
			note = fmt.Sprintf("; softdfu kept %d byte(s) outside the image that dfu-util erased", kept)
		default:
			bad = append(bad, fmt.Sprintf("flash differs in %d byte(s) (%d of them bytes softdfu kept)", n, kept))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%s (dfu-util %s):\n  %s\n  dfu-util said: %q\n  softdfu said: %q", c.Name, c.Args, strings.Join(bad, "\n  "), d.out, s.out)
		return "FAIL: " + strings.Join(bad, "; ")
	}
	return fmt.Sprintf("ok (exit %d / %d)%s", d.rc, s.rc, note)
}

// flashDiff counts the bytes where softdfu's flash (s) differs from
// dfu-util's (d), and how many of those are bytes softdfu kept from the
// start where dfu-util left them erased.
func flashDiff(s, d, start []byte) (n, kept int) {
	for i := range s {
		if s[i] == d[i] {
			continue
		}
		n++
		if d[i] == 0xff && s[i] == start[i] {
			kept++
		}
	}
	return n, kept
}
