package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/softdfu/softdfu/bench"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/test/interop"
	"github.com/softdfu/softdfu/usb/usbip"
)

// InteropBoard is the board every VM comparison runs on: a Feather STM32F405
// held in the ROM bootloader (BOOT0 high).
const InteropBoard = "feather-f405"

// InteropCase is one case of the comparison with dfu-util in the VM.
type InteropCase struct {
	// Name identifies the case in output ("full-1MB").
	Name string
	// Before returns the flash content the board holds before the update
	// (written from the flash base over the factory content), or nil for
	// the board as it ships (a 16 KB application, the rest erased).
	Before func(p *sim.Part) []byte
	// Image returns the image both tools write at the flash base.
	Image func(p *sim.Part) []byte
	// About says in a few words what the case stands for.
	About string
}

// InteropCases returns the cases of the VM comparison, the full 1 MB image
// first. All run on InteropBoard.
func InteropCases() []InteropCase {
	std := map[string]bench.Case{}
	for _, c := range bench.Cases() {
		std[c.Name] = c
	}
	return []InteropCase{
		{Name: "full-1MB", Image: std["full-1MB"].Image, About: "1 MB image on a board in its factory state"},
		{Name: "one-sector", Before: std["one-sector"].Before, Image: std["one-sector"].Image,
			About: "the same image with one 16 KB sector changed, on a board that holds the full image"},
		{Name: "app-64K", Image: std["app-64K"].Image, About: "64 KB application on a board in its factory state"},
	}
}

// InteropTool is one way of flashing the image inside the guest.
type InteropTool struct {
	// Name identifies the tool in output ("dfu-util").
	Name string
	// Command is the guest shell command; IMAGE stands for the image file.
	Command string
}

// InteropTools returns the tools compared, softdfu with its defaults first
// and dfu-util last. softdfu does not wait for the application
// (--app-timeout 1ms): dfu-util does not either, and over USB/IP the
// application only shows up once the guest imports it again.
func InteropTools() []InteropTool {
	return []InteropTool{
		{Name: "softdfu", Command: "softdfu flash --app-timeout 1ms IMAGE"},
		{Name: "softdfu-no-verify", Command: "softdfu flash --no-verify --app-timeout 1ms IMAGE"},
		{Name: "dfu-util", Command: "dfu-util -a 0 -s 0x08000000:leave -D IMAGE"},
	}
}

// InteropOptions tune RunInterop.
type InteropOptions struct {
	// Cases to run; nil means InteropCases().
	Cases []InteropCase
	// Softdfu is a static softdfu binary for the guest; empty builds one
	// from this source tree (interop.BuildSoftdfu).
	Softdfu string
	// Timeout bounds the whole VM run; 0 means 10 minutes.
	Timeout time.Duration
	// Log, when set, receives progress lines and the guest's output.
	Log io.Writer
	// Transcript, when set, receives the board's transcript: one line per
	// USB request with the board's clock (sim.Options.Transcript).
	Transcript io.Writer
}

// InteropRun is one tool flashing one case.
type InteropRun struct {
	Case, Tool, Command string
	// Elapsed is the guest's wall time of the flash command alone.
	Elapsed time.Duration
	// ExitCode is the command's exit status in the guest.
	ExitCode int
	// OK means the tool reported success (dfu-util: exit 0, or exit 74
	// after "File downloaded successfully", its known error when the board
	// leaves before answering) and the host found the board running the
	// image afterwards.
	OK bool
	// Check is what the host found on the board afterwards.
	Check string
	// Transfers counts the USB control requests the board received from
	// the start of the run to the check (enumeration by the guest's
	// kernel included).
	Transfers int
}

// InteropResult is one case: each tool's time and softdfu's speed-up.
type InteropResult struct {
	Case, About string
	// Runs holds one run per tool, in InteropTools order.
	Runs []InteropRun
	// Ratio is dfu-util's time over softdfu's (defaults); RatioNoVerify
	// the same against softdfu --no-verify. Above 1 means softdfu is
	// faster.
	Ratio, RatioNoVerify float64
}

// Run returns the run of the named tool, or nil.
func (r *InteropResult) Run(tool string) *InteropRun {
	for i := range r.Runs {
		if r.Runs[i].Tool == tool {
			return &r.Runs[i]
		}
	}
	return nil
}

// ErrInteropUnavailable means the VM comparison cannot run on this machine;
// the wrapping error says what is missing and how to get it.
var ErrInteropUnavailable = errors.New("the dfu-util comparison in a VM cannot run here")

// InteropInstallHint says how to get what the VM comparison needs.
const InteropInstallHint = "install qemu-system-x86 busybox-static dfu-util usbip (Debian/Ubuntu: sudo apt-get install -y qemu-system-x86 busybox-static dfu-util usbip), or run SOFTDFU_INTEROP=1 go test ./test/interop/..., which installs them"

// CheckInterop reports what the VM comparison lacks on this machine: the
// source tree's VM script, the Go toolchain to build softdfu for the guest,
// and the host packages the VM is built from. Nil means it can run (the
// first run still downloads a Debian kernel into the cache).
func CheckInterop() error {
	if _, err := os.Stat(interop.Script()); err != nil {
		return fmt.Errorf("%w: %s is missing: run it from a softdfu source tree (go run ./test/interop/bench)", ErrInteropUnavailable, interop.Script())
	}
	var missing []string
	for _, tool := range []string{"go", "qemu-system-x86_64", "dfu-util"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if _, err := exec.LookPath("usbip"); err != nil {
		if _, err := os.Stat("/usr/sbin/usbip"); err != nil {
			missing = append(missing, "usbip")
		}
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		missing = append(missing, "busybox")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s not found; %s", ErrInteropUnavailable, strings.Join(missing, ", "), InteropInstallHint)
	}
	return nil
}

// RunInterop boots the test/interop VM once and flashes every case with
// every tool (InteropTools) through the guest's Linux kernel, importing a
// simulated board that this process serves over USB/IP in real time
// (speed 1, the bench's ROM settings). Before each run the host puts the
// board in the case's starting state (flash content written directly,
// BOOT0 high, reset), so every tool starts from the same board; after it,
// the host checks that the board holds the image and runs the application.
// Only the flash command is timed, inside the guest.
func RunInterop(ctx context.Context, opts InteropOptions) ([]InteropResult, error) {
	cases := opts.Cases
	if cases == nil {
		cases = InteropCases()
	}
	if len(cases) == 0 {
		return nil, errors.New("no interop case to run")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+time.Minute)
	defer cancel()
	bin := opts.Softdfu
	if bin == "" {
		dir, err := os.MkdirTemp("", "softdfu-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		fmt.Fprintln(logw, "building a static softdfu for the guest")
		if bin, err = interop.BuildSoftdfu(ctx, dir); err != nil {
			return nil, err
		}
	}
	srv, err := startInteropServer(ctx, cases, 1, opts.Transcript)
	if err != nil {
		return nil, err
	}
	defer srv.Close()

	files := map[string][]byte{}
	for _, c := range cases {
		files[c.Name+".bin"] = srv.images[c.Name]
	}
	tools := InteropTools()
	guest := interopGuest(srv.USBIPPort(), srv.ControlPort(), cases, tools)
	fmt.Fprintf(logw, "booting the VM: %d case(s) x %d tools at speed 1 (a few minutes)\n", len(cases), len(tools))
	res, err := interop.Run(ctx, guest, interop.Options{Files: files, Softdfu: bin, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "VM run took %v; guest output:\n%s", res.Elapsed.Round(time.Millisecond), res.Output)
	runs, err := parseGuest(res.Output)
	if err != nil {
		return nil, err
	}
	checks := srv.checkResults()
	var out []InteropResult
	for _, c := range cases {
		r := InteropResult{Case: c.Name, About: c.About}
		for _, t := range tools {
			run, ok := runs[c.Name+" "+t.Name]
			if !ok {
				return nil, fmt.Errorf("interop: the guest did not report %s with %s (see its output above)", c.Name, t.Name)
			}
			run.Case, run.Tool, run.Command = c.Name, t.Name, strings.ReplaceAll(t.Command, "IMAGE", c.Name+".bin")
			chk := checks[c.Name+" "+t.Name]
			run.Check, run.Transfers = chk.answer, chk.transfers
			run.OK = run.OK && strings.HasPrefix(run.Check, "ok")
			r.Runs = append(r.Runs, run)
		}
		if s, d := r.Run("softdfu"), r.Run("dfu-util"); s != nil && d != nil && s.Elapsed > 0 {
			r.Ratio = float64(d.Elapsed) / float64(s.Elapsed)
		}
		if s, d := r.Run("softdfu-no-verify"), r.Run("dfu-util"); s != nil && d != nil && s.Elapsed > 0 {
			r.RatioNoVerify = float64(d.Elapsed) / float64(s.Elapsed)
		}
		out = append(out, r)
	}
	return out, nil
}

// interopGuest is the guest script: for each case and tool, put the board
// in the case's starting state (host control port), import it, time the
// flash command, let the host check the board.
func interopGuest(usbipPort, ctrlPort int, cases []InteropCase, tools []InteropTool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `
ctl() { echo "$1" | nc -w 60 %[1]s %[2]d; }
attach() {
	i=0
	until usbip --tcp-port %[3]d attach -r %[1]s -b 1-1 >/dev/null 2>&1; do
		i=$((i+1)); [ $i -ge 60 ] && { echo "ATTACH FAILED"; return 1; }
		sleep 0.5
	done
	i=0
	until ls -d /sys/bus/usb/devices/[0-9]*-[0-9]* 2>/dev/null | grep -qv :; do
		i=$((i+1)); [ $i -ge 100 ] && { echo "ENUMERATION FAILED"; return 1; }
		sleep 0.1
	done
	sleep 0.5
}
detach() { usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p' | while read p; do usbip detach -p $p >/dev/null 2>&1; done; }
# now prints the monotonic clock in ns (/proc/timer_list; /proc/uptime, in
# 10 ms steps, where the kernel lacks it): busybox date has no %%N.
now() {
	t=$(awk '/^now at/ {print $3; exit}' /proc/timer_list 2>/dev/null)
	[ -n "$t" ] && { echo $t; return; }
	awk '{printf "%%.0f\n", $1 * 1e9}' /proc/uptime
}
# bench CASE TOOL COMMAND...: time one flash command from the case's
# starting state.
bench() {
	c=$1; tool=$2; shift 2
	detach
	echo "--- $c with $tool: $(ctl "prepare $c")"
	attach || { echo "BENCH $c $tool rc=-1 ns=0 downloaded=0"; return; }
	t0=$(now)
	"$@" >out.txt 2>&1
	rc=$?
	t1=$(now)
	d=0; grep -q "File downloaded successfully" out.txt && d=1
	tr '\r' '\n' <out.txt | grep -v '^ *$' | grep -v '^Download\|^Erase  *\[' | tail -n 6
	echo "BENCH $c $tool rc=$rc ns=$((t1-t0)) downloaded=$d"
	echo "CHECK $c $tool: $(ctl "check $c $tool")"
}
echo "clock: $(grep -m1 -o 'now at .*' /proc/timer_list 2>/dev/null || echo /proc/uptime)"
`, interop.GuestHost, ctrlPort, usbipPort)
	for _, c := range cases {
		for _, t := range tools {
			cmd := strings.ReplaceAll(t.Command, "IMAGE", c.Name+".bin")
			fmt.Fprintf(&b, "bench %s %s %s\n", c.Name, t.Name, cmd)
		}
	}
	b.WriteString("detach\necho \"--- done\"\n")
	return b.String()
}

// parseGuest reads the BENCH lines of the guest's output, keyed by
// "CASE TOOL". OK there means the tool itself reported success.
func parseGuest(out string) (map[string]InteropRun, error) {
	runs := map[string]InteropRun{}
	for n, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "BENCH ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 5 {
			return nil, fmt.Errorf("interop: guest output line %d: %q: want BENCH CASE TOOL rc=N ns=N downloaded=0|1", n+1, line)
		}
		vals := map[string]int64{}
		for _, kv := range f[2:] {
			k, v, ok := strings.Cut(kv, "=")
			x, err := strconv.ParseInt(v, 10, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("interop: guest output line %d: %q: %q is not NAME=INTEGER", n+1, line, kv)
			}
			vals[k] = x
		}
		rc, ns, dl := vals["rc"], vals["ns"], vals["downloaded"]
		if ns < 0 {
			return nil, fmt.Errorf("interop: guest output line %d: negative time %d ns", n+1, ns)
		}
		r := InteropRun{Case: f[0], Tool: f[1], ExitCode: int(rc), Elapsed: time.Duration(ns)}
		// dfu-util exits 74 when the board leaves before answering the
		// GETSTATUS of :leave (docs/PROTOCOL.md section 8): the download itself
		// succeeded.
		r.OK = rc == 0 || (rc == 74 && dl == 1 && strings.HasPrefix(r.Tool, "dfu-util"))
		runs[f[0]+" "+f[1]] = r
	}
	if len(runs) == 0 {
		return nil, errors.New("interop: the guest printed no BENCH line")
	}
	return runs, nil
}

// InteropServer serves the comparison's board over USB/IP and takes the
// host's side of the guest script on a control port: "prepare CASE" puts
// the board in the case's starting state and answers once the ROM
// bootloader runs; "check CASE TOOL" answers whether the board holds the
// case's image and runs the application, and records it.
type InteropServer struct {
	world   *sim.World
	board   *sim.Board
	factory []byte
	cases   map[string]InteropCase
	images  map[string][]byte
	usbipL  net.Listener
	ctrlL   net.Listener
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.Mutex
	checks map[string]interopCheck
	// requests counts the board's USB requests (transcript lines); mark
	// is its value when the last prepare finished.
	requests lineCounter
	mark     int
}

// interopCheck is the host's check after a run.
type interopCheck struct {
	answer    string
	transfers int
}

// lineCounter counts the lines written to it: the simulator writes one
// transcript line per USB request.
type lineCounter struct {
	mu   sync.Mutex
	n    int
	copy io.Writer // also gets the lines, when set
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n += strings.Count(string(p), "\n")
	if c.copy != nil {
		c.copy.Write(p)
	}
	return len(p), nil
}

func (c *lineCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// StartInteropServer starts the board server on loopback for cases, with
// simulated time at speed (1 = real time): datasheet flash timing, the
// simulator's USB model and the ROM's block-program poll timeout set to the
// programming time, as in Run.
func StartInteropServer(ctx context.Context, cases []InteropCase, speed float64) (*InteropServer, error) {
	return startInteropServer(ctx, cases, speed, nil)
}

// startInteropServer also copies the board's transcript to transcript.
func startInteropServer(ctx context.Context, cases []InteropCase, speed float64, transcript io.Writer) (*InteropServer, error) {
	_, word := sim.DatasheetTiming(false)
	s := &InteropServer{cases: map[string]InteropCase{}, images: map[string][]byte{}, checks: map[string]interopCheck{}}
	s.requests.copy = transcript
	w, err := sim.New([]sim.Spec{{Board: InteropBoard, Mode: "dfu"}}, sim.Options{
		Speed: speed, PollProgram: (512 * word).Truncate(time.Millisecond), Transcript: &s.requests,
	})
	if err != nil {
		return nil, err
	}
	b := w.Boards()[0]
	s.world, s.board, s.factory = w, b, b.Flash()
	for _, c := range cases {
		s.cases[c.Name] = c
		s.images[c.Name] = c.Image(b.Part())
	}
	ctx, s.cancel = context.WithCancel(ctx)
	if s.usbipL, err = usbip.Listen(ctx, "127.0.0.1:0"); err != nil {
		s.cancel()
		return nil, err
	}
	if s.ctrlL, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		s.usbipL.Close()
		s.cancel()
		return nil, err
	}
	s.wg.Go(func() { usbip.NewServer(w, usbip.ServerOptions{}).Serve(ctx, s.usbipL) })
	s.wg.Go(func() {
		<-ctx.Done()
		s.ctrlL.Close()
	})
	s.wg.Go(func() { s.serveControl(ctx) })
	return s, nil
}

// USBIPPort is the server's USB/IP TCP port on 127.0.0.1.
func (s *InteropServer) USBIPPort() int { return s.usbipL.Addr().(*net.TCPAddr).Port }

// ControlPort is the control TCP port on 127.0.0.1.
func (s *InteropServer) ControlPort() int { return s.ctrlL.Addr().(*net.TCPAddr).Port }

// Board is the simulated board served.
func (s *InteropServer) Board() *sim.Board { return s.board }

// Checks returns what every "check CASE TOOL" found, keyed by "CASE TOOL".
func (s *InteropServer) Checks() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.checks))
	for k, v := range s.checks {
		out[k] = v.answer
	}
	return out
}

func (s *InteropServer) checkResults() map[string]interopCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]interopCheck, len(s.checks))
	for k, v := range s.checks {
		out[k] = v
	}
	return out
}

// Close stops the server and waits for its goroutines.
func (s *InteropServer) Close() {
	s.cancel()
	s.wg.Wait()
}

func (s *InteropServer) serveControl(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := s.ctrlL.Accept()
		if err != nil {
			return
		}
		wg.Go(func() {
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil && line == "" {
				return
			}
			fmt.Fprintln(c, s.Command(ctx, strings.Fields(line)))
		})
	}
}

// Command runs one control command and returns the answer line.
func (s *InteropServer) Command(ctx context.Context, f []string) string {
	if len(f) == 0 {
		return "error: empty command: prepare CASE | check CASE TOOL"
	}
	switch {
	case f[0] == "prepare" && len(f) == 2:
		c, ok := s.cases[f[1]]
		if !ok {
			return fmt.Sprintf("error: unknown case %q", f[1])
		}
		return s.prepare(ctx, c)
	case f[0] == "check" && len(f) == 3:
		img, ok := s.images[f[1]]
		if !ok {
			return fmt.Sprintf("error: unknown case %q", f[1])
		}
		ans := s.check(ctx, img)
		s.mu.Lock()
		s.checks[f[1]+" "+f[2]] = interopCheck{answer: ans, transfers: s.requests.count() - s.mark}
		s.mu.Unlock()
		return ans
	}
	return fmt.Sprintf("error: unknown command %q: prepare CASE | check CASE TOOL", strings.Join(f, " "))
}

// prepare writes the case's starting content, holds BOOT0 high and resets
// the board, and waits for the ROM bootloader.
func (s *InteropServer) prepare(ctx context.Context, c InteropCase) string {
	b := s.board
	if err := b.WriteFlash(b.Part().FlashBase, s.factory); err != nil {
		return "error: " + err.Error()
	}
	what := "factory state"
	if c.Before != nil {
		if err := b.WriteFlash(b.Part().FlashBase, c.Before(b.Part())); err != nil {
			return "error: " + err.Error()
		}
		what = "starting content written"
	}
	b.SetBoot0(true)
	b.Reset()
	if err := waitRun(ctx, b, sim.RunROM, 10*time.Second); err != nil {
		return "error: " + err.Error()
	}
	s.mu.Lock()
	s.mark = s.requests.count()
	s.mu.Unlock()
	return "ready: " + what + ", ROM bootloader running"
}

// check waits briefly for the board to run its application (a leave may
// still be completing) and compares its flash with the image.
func (s *InteropServer) check(ctx context.Context, img []byte) string {
	b := s.board
	err := waitRun(ctx, b, sim.RunApp, 5*time.Second)
	st := b.State()
	if string(b.Flash()[:len(img)]) != string(img) {
		return fmt.Sprintf("FAILED: the board does not hold the image (it runs: %s)", st.Run)
	}
	if err != nil {
		return "FAILED: the board holds the image but " + err.Error()
	}
	return fmt.Sprintf("ok: the board holds the image and runs the application (%s)", st.Persona)
}

func waitRun(ctx context.Context, b *sim.Board, want sim.Run, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		st := b.State()
		if st.Run == want {
			return nil
		}
		if time.Now().After(deadline) {
			msg := fmt.Sprintf("runs %s, not %s, after %v", st.Run, want, timeout)
			if st.Reason != "" {
				msg += ": " + st.Reason
			}
			return errors.New(msg)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
