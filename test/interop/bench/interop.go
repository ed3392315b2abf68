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
	// Name identifies the case in output ("rebuild-all").
	Name string
	// Count is how many boards the case flashes at once (default 1).
	Count int
	// Before returns the flash content the board holds before the update
	// (written from the flash base over the factory content), or nil for
	// the board as it ships (a 16 KB application, the rest erased).
	Before func(p *sim.Part) []byte
	// Image returns the image both tools write at the flash base.
	Image func(p *sim.Part) []byte
	// About says in a few words what the case stands for.
	About string
}

// InteropCases returns the cases of the VM comparison: the in-process
// bench's cases marked VM (bench.Cases), with the same names, starting
// states and images, all on InteropBoard.
func InteropCases() []InteropCase {
	var out []InteropCase
	for _, c := range bench.Cases() {
		if c.VM && c.Board == InteropBoard {
			out = append(out, InteropCase{Name: c.Name, Count: max(c.Count, 1), Before: c.Before, Image: c.Image, About: c.About})
		}
	}
	return out
}

// InteropTool is one way of flashing the image inside the guest.
type InteropTool struct {
	// Name identifies the tool in output ("dfu-util").
	Name string
	// Command is the guest shell command; IMAGE stands for the image file.
	Command string
	// All is the command for several boards at once.
	All string
}

// InteropTools returns the tools compared, softdfu with its defaults first
// and dfu-util last; for several boards softdfu flashes --all and one
// dfu-util per board runs in parallel (-p PATH). softdfu does not wait for the application
// (--app-timeout 1ms): dfu-util does not either, and over USB/IP the
// application only shows up once the guest imports it again.
func InteropTools() []InteropTool {
	return []InteropTool{
		{Name: "softdfu", Command: "softdfu flash --app-timeout 1ms IMAGE", All: "softdfu flash --all --app-timeout 1ms IMAGE"},
		{Name: "softdfu-no-verify", Command: "softdfu flash --no-verify --app-timeout 1ms IMAGE", All: "softdfu flash --all --no-verify --app-timeout 1ms IMAGE"},
		{Name: "dfu-util", Command: "dfu-util -a 0 -s 0x08000000:leave -D IMAGE", All: "dfu_util_all -a 0 -s 0x08000000:leave -D IMAGE"},
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
	// AlsoEnv, when set, adds a run of softdfu (defaults) with these
	// VAR=VALUE settings, "softdfu-env", to every case.
	AlsoEnv string
	// SoftdfuEnv, when set, is put in softdfu's environment in the guest
	// ("GOMAXPROCS=1"), to measure what the Go runtime's settings cost.
	SoftdfuEnv string
	// Strace, when set, runs every single-board flash command under
	// strace with these options (for example "-f -c") and prints its
	// report after the run; the times then include strace's own cost.
	Strace string
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
	// Transfers counts the USB control requests the boards received from
	// the start of the run to the check (enumeration by the guest's
	// kernel included).
	Transfers int
	// FlashWork is the datasheet time of the erases and programming the
	// board was asked to do (one board; the sum for several).
	FlashWork time.Duration
	// BusTime is the time of the Transfers on the simulated bus (the USB
	// model's frame per request and time per byte).
	BusTime time.Duration
	// PerRequest is (Elapsed - FlashWork) / Transfers: what one request
	// costs the tool through the guest's kernel and USB/IP, bus time
	// included (single-board cases only).
	PerRequest time.Duration
	// Overhead is (Elapsed - FlashWork - BusTime) / Transfers: the tool's
	// cost per request beyond what the board and its bus take, through the
	// guest's kernel, USB/IP and the tool itself (single-board cases only).
	Overhead time.Duration
	// Guest is the guest's CPU time during the command, both processors
	// summed (/proc/stat, in 10 ms ticks).
	Guest GuestCPU
}

// GuestCPU is CPU time the guest spent while one command ran.
type GuestCPU struct {
	// Known says the guest reported it.
	Known bool
	// User is time in user space (the tool itself); Kernel in the guest's
	// kernel (system calls, interrupts: usbfs, vhci-hcd, USB/IP's TCP,
	// virtio-net); Idle with nothing to run.
	User, Kernel, Idle time.Duration
}

// Busy is the share of the CPU time that was not idle: near 1 means the
// VM, not the tool's waits, set the pace; -1 when unknown.
func (g GuestCPU) Busy() float64 {
	total := g.User + g.Kernel + g.Idle
	if !g.Known || total <= 0 {
		return -1
	}
	return float64(g.User+g.Kernel) / float64(total)
}

// PerRequest is the busy CPU time per request (0 when unknown).
func (g GuestCPU) PerRequest(requests int) time.Duration {
	if !g.Known || requests <= 0 {
		return 0
	}
	return (g.User + g.Kernel) / time.Duration(requests)
}

// guestTick is /proc/stat's unit (USER_HZ, 100 on every Linux port).
const guestTick = 10 * time.Millisecond

// guestCPU reads the user=, kernel= and idle= tick counts of a BENCH line.
func guestCPU(vals map[string]int64) GuestCPU {
	u, okU := vals["user"]
	k, okK := vals["kernel"]
	i, okI := vals["idle"]
	if !okU || !okK || !okI || u < 0 || k < 0 || i < 0 {
		return GuestCPU{}
	}
	return GuestCPU{Known: true, User: time.Duration(u) * guestTick, Kernel: time.Duration(k) * guestTick, Idle: time.Duration(i) * guestTick}
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
	all := append([]InteropCase{WarmUpCase()}, cases...)
	srv, err := startInteropServer(ctx, all, 1, opts.Transcript)
	if err != nil {
		return nil, err
	}
	defer srv.Close()

	files := map[string][]byte{}
	for _, c := range all {
		files[c.Name+".bin"] = srv.images[c.Name]
	}
	tools := InteropTools()
	if opts.AlsoEnv != "" {
		t := tools[0]
		tools = append(tools, InteropTool{Name: "softdfu-env", Command: "env " + opts.AlsoEnv + " " + t.Command, All: "env " + opts.AlsoEnv + " " + t.All})
	}
	if opts.SoftdfuEnv != "" {
		for i := range tools {
			if strings.HasPrefix(tools[i].Name, "softdfu") {
				tools[i].Command = "env " + opts.SoftdfuEnv + " " + tools[i].Command
				tools[i].All = "env " + opts.SoftdfuEnv + " " + tools[i].All
			}
		}
	}
	guest := interopGuest(srv.USBIPPort(), srv.ControlPort(), all, tools)
	if opts.Strace != "" {
		guest = strings.Replace(guest, "\tSTRACE=\n", "\tSTRACE='strace "+opts.Strace+" -o st.txt'\n", 1)
	}
	fmt.Fprintf(logw, "booting the VM: a warm-up and %d case(s) x %d tools at speed 1 (a few minutes)\n", len(cases), len(tools))
	res, err := interop.Run(ctx, guest, interop.Options{Files: files, Softdfu: bin, Timeout: timeout, CPUs: 2})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "VM run took %v; guest output:\n%s", res.Elapsed.Round(time.Millisecond), res.Output)
	runs, err := parseGuest(res.Output)
	if err != nil {
		return nil, err
	}
	checks := srv.checkResults()
	if err := warmedUp(tools, runs, checks); err != nil {
		return nil, err
	}
	return results(cases, tools, runs, checks)
}

// WarmUpCase is flashed once by every tool before the timed runs, and not
// reported: the VM runs under QEMU's TCG, which translates guest code the
// first time it runs, so without it the first timed run of each tool paid
// for that (softdfu on app-64K as the first case: 1.62 s, the same binary
// three runs later in the same VM: 1.36 s).
func WarmUpCase() InteropCase {
	return InteropCase{
		Name: "warm-up", Count: 1, About: "an 8 KB application on a board in its factory state, untimed",
		Image: func(p *sim.Part) []byte { return sim.AppImage(p, "circuitpython", 8<<10) },
	}
}

// warmedUp checks that every tool's warm-up run succeeded: a tool that
// cannot flash the warm-up would not flash the cases either.
func warmedUp(tools []InteropTool, runs map[string]InteropRun, checks map[string]interopCheck) error {
	name := WarmUpCase().Name
	for _, t := range tools {
		run, ok := runs[name+" "+t.Name]
		chk := checks[name+" "+t.Name].answer
		if !ok || !run.OK || !strings.HasPrefix(chk, "ok") {
			return fmt.Errorf("interop: the warm-up with %s failed (exit %d, host check: %q); see the guest's output", t.Name, run.ExitCode, chk)
		}
	}
	return nil
}

// results joins the guest's runs and the host's checks into one result
// per case.
func results(cases []InteropCase, tools []InteropTool, runs map[string]InteropRun, checks map[string]interopCheck) ([]InteropResult, error) {
	var out []InteropResult
	for _, c := range cases {
		r := InteropResult{Case: c.Name, About: c.About}
		for _, t := range tools {
			run, ok := runs[c.Name+" "+t.Name]
			if !ok {
				return nil, fmt.Errorf("interop: the guest did not report %s with %s (see its output above)", c.Name, t.Name)
			}
			run.Case, run.Tool, run.Command = c.Name, t.Name, c.command(t)
			chk := checks[c.Name+" "+t.Name]
			run.Check, run.Transfers, run.FlashWork, run.BusTime = chk.answer, chk.requests, chk.flash, chk.bus
			if c.Count <= 1 && run.Transfers > 0 && run.Elapsed > run.FlashWork {
				run.PerRequest = (run.Elapsed - run.FlashWork) / time.Duration(run.Transfers)
				run.Overhead = (run.Elapsed - run.FlashWork - run.BusTime) / time.Duration(run.Transfers)
			}
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

// guestPrelude is the guest script's functions; its verbs are the host's
// address seen from the guest, the control port and the USB/IP port.
const guestPrelude = `
ctl() { echo "$1" | nc -w 60 %[1]s %[2]d; }
# attach N: import boards 1-1 .. 1-N and wait until all enumerated.
attach() {
	for b in $(seq 1 $1); do
		i=0
		until usbip --tcp-port %[3]d attach -r %[1]s -b 1-$b >/dev/null 2>&1; do
			i=$((i+1)); [ $i -ge 60 ] && { echo "ATTACH FAILED"; return 1; }
			sleep 0.5
		done
	done
	i=0
	until [ "$(dfu_paths | wc -w)" -ge $1 ]; do
		i=$((i+1)); [ $i -ge 100 ] && { echo "ENUMERATION FAILED"; return 1; }
		sleep 0.1
	done
	sleep 0.5
}
# dfu_paths prints the port path of every ST ROM bootloader on the bus
# that the kernel has configured (a device found before that would fail
# its first SET_INTERFACE).
dfu_paths() {
	for d in /sys/bus/usb/devices/[0-9]*-[0-9]*; do
		case $d in *:*) continue ;; esac
		[ -n "$(cat $d/bConfigurationValue 2>/dev/null)" ] || continue
		[ "$(cat $d/idVendor 2>/dev/null):$(cat $d/idProduct 2>/dev/null)" = 0483:df11 ] && basename $d
	done
}
# dfu_util_all ARGS...: one dfu-util per board, in parallel; exit 0 when
# every one exited 0 (or 74 after "File downloaded successfully", its
# known exit when the board leaves before answering).
dfu_util_all() {
	pids=""; n=0
	for p in $(dfu_paths); do
		dfu-util -p $p "$@" >dfu.$n.txt 2>&1 &
		pids="$pids $!:$n"; n=$((n+1))
	done
	rc=0
	for pn in $pids; do
		wait ${pn%%:*}; r=$?
		[ $r = 74 ] && grep -q "File downloaded successfully" dfu.${pn#*:}.txt && r=0
		[ $r = 0 ] || rc=$r
	done
	[ $rc = 0 ] && echo "File downloaded successfully (all $n)"
	return $rc
}
# now prints the monotonic clock in ns (/proc/timer_list; /proc/uptime, in
# 10 ms steps, where the kernel lacks it): busybox date has no %%N.
now() {
	t=$(awk '/^now at/ {print $3; exit}' /proc/timer_list 2>/dev/null)
	[ -n "$t" ] && { echo $t; return; }
	awk '{printf "%%.0f\n", $1 * 1e9}' /proc/uptime
}
# cpu prints the guest's CPU time so far in user space, in the kernel and
# idle, in ticks (/proc/stat: user+nice, system+irq+softirq+steal,
# idle+iowait).
cpu() { awk '/^cpu / { print $2 + $3, $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat; }
# bench CASE N TOOL COMMAND...: time one flash command on N boards from
# the case's starting state.
bench() {
	c=$1; n=$2; tool=$3; shift 3
	detach
	echo "--- $c with $tool: $(ctl "prepare $c")"
	attach $n || { echo "BENCH $c $tool rc=-1 ns=0 downloaded=0"; return; }
	c0=$(cpu)
	t0=$(now)
	STRACE=
	[ -n "$STRACE" ] && [ $n = 1 ] && command -v strace >/dev/null || STRACE=
	$STRACE "$@" >out.txt 2>&1
	rc=$?
	t1=$(now)
	ticks=$(echo $c0 $(cpu) | awk 'NF == 6 { print "user=" $4 - $1, "kernel=" $5 - $2, "idle=" $6 - $3 }')
	[ -n "$ticks" ] || ticks="user=-1 kernel=-1 idle=-1"
	d=0; grep -q "File downloaded successfully" out.txt && d=1
	tr '\r' '\n' <out.txt | grep -v '^ *$' | grep -v '^Download\|^Erase  *\[' | tail -n 6
	echo "BENCH $c $tool rc=$rc ns=$((t1-t0)) downloaded=$d $ticks"
	echo "CHECK $c $tool: $(ctl "check $c $tool")"
	[ -n "$STRACE" ] && { echo "STRACE $c $tool"; grep -v '^ *$' st.txt | tail -n 40; }
}
echo "clock: $(grep -m1 -o 'now at .*' /proc/timer_list 2>/dev/null || echo /proc/uptime)"
`

// interopGuest is the guest script: for each case and tool, put the board
// in the case's starting state (host control port), import it, time the
// flash command, let the host check the board.
func interopGuest(usbipPort, ctrlPort int, cases []InteropCase, tools []InteropTool) string {
	var b strings.Builder
	fmt.Fprintf(&b, guestPrelude, interop.GuestHost, ctrlPort, usbipPort)
	b.WriteString(interop.DetachScript)
	for _, c := range cases {
		for _, t := range tools {
			fmt.Fprintf(&b, "bench %s %d %s %s\n", c.Name, max(c.Count, 1), t.Name, c.command(t))
		}
	}
	b.WriteString("detach\necho \"--- done\"\n")
	return b.String()
}

// command is the tool's guest command for the case.
func (c InteropCase) command(t InteropTool) string {
	cmd := t.Command
	if c.Count > 1 {
		cmd = t.All
	}
	return strings.ReplaceAll(cmd, "IMAGE", c.Name+".bin")
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
		if len(f) != 5 && len(f) != 8 {
			return nil, fmt.Errorf("interop: guest output line %d: %q: want BENCH CASE TOOL rc=N ns=N downloaded=0|1 [user=TICKS kernel=TICKS idle=TICKS]", n+1, line)
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
		r := InteropRun{Case: f[0], Tool: f[1], ExitCode: int(rc), Elapsed: time.Duration(ns), Guest: guestCPU(vals)}
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
	boards  []*sim.Board
	factory []byte
	cases   map[string]InteropCase
	images  map[string][]byte
	usbipL  net.Listener
	ctrlL   net.Listener
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.Mutex
	checks map[string]interopCheck
	// requests counts the boards' USB requests (transcript lines); mark
	// is what it had counted when the last prepare finished.
	requests lineCounter
	mark     work
}

// interopCheck is the host's check after a run and the work of the run.
type interopCheck struct {
	answer string
	work
}

// work is what the boards were asked to do: requests, the datasheet time
// of the erases and programming among them, and their time on the
// simulated bus (the USB model's frame and bytes).
type work struct {
	requests   int
	flash, bus time.Duration
}

func (w work) minus(v work) work {
	return work{w.requests - v.requests, w.flash - v.flash, w.bus - v.bus}
}

// lineCounter counts the lines written to it (the simulator writes one
// transcript line per USB request) and adds up the datasheet time of the
// erases and programming they ask for and their bus time.
type lineCounter struct {
	mu   sync.Mutex
	done work
	part *sim.Part
	copy io.Writer // also gets the lines, when set
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		c.done.requests++
		c.done.flash += flashWork(c.part, line)
		c.done.bus += busTime(line)
	}
	if c.copy != nil {
		c.copy.Write(p)
	}
	return len(p), nil
}

// flashWork is the datasheet time of the flash work a transcript line
// (PORT TIME RT REQ VALUE INDEX LENGTH DIR N HEX RESULT) asks for: an
// Erase command (DNLOAD block 0, 41 + address) or a data block.
func flashWork(p *sim.Part, line string) time.Duration {
	f := strings.Fields(line)
	if p == nil || len(f) < 10 || f[2] != "21" || f[3] != "01" || f[7] != ">" {
		return 0
	}
	erase, word := sim.DatasheetTiming(false)
	n, _ := strconv.Atoi(f[8])
	if f[4] != "0000" {
		return time.Duration((n+3)/4) * word
	}
	if n != 5 || !strings.HasPrefix(f[9], "41") || len(f[9]) < 10 {
		return 0
	}
	var a [4]byte
	for i := range a {
		v, err := strconv.ParseUint(f[9][2+2*i:4+2*i], 16, 8)
		if err != nil {
			return 0
		}
		a[i] = byte(v)
	}
	addr := uint32(a[0]) | uint32(a[1])<<8 | uint32(a[2])<<16 | uint32(a[3])<<24
	if i := p.SectorAt(addr); i >= 0 {
		return erase[p.Sectors[i].Size]
	}
	return 0
}

// busTime is the time the simulator's USB model (sim.DefaultUSBTiming,
// the server's) gives the request of a transcript line on the bus: a
// frame and its data bytes (field 9).
func busTime(line string) time.Duration {
	f := strings.Fields(line)
	if len(f) < 9 {
		return 0
	}
	n, _ := strconv.Atoi(f[8])
	return sim.DefaultUSBTiming.Cost(n)
}

// count returns the work so far.
func (c *lineCounter) count() work {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// StartInteropServer starts the board server on loopback for cases, with
// simulated time at speed (1 = real time): datasheet flash timing, the
// simulator's USB model and the ROM's block-program poll timeout set to the
// programming time, as in Run.
func StartInteropServer(ctx context.Context, cases []InteropCase, speed float64) (*InteropServer, error) {
	return startInteropServer(ctx, cases, speed, nil)
}

// startInteropServer also copies the boards' transcript to transcript.
// It serves as many boards as the largest case needs, as 1-1, 1-2, ...
func startInteropServer(ctx context.Context, cases []InteropCase, speed float64, transcript io.Writer) (*InteropServer, error) {
	_, word := sim.DatasheetTiming(false)
	s := &InteropServer{cases: map[string]InteropCase{}, images: map[string][]byte{}, checks: map[string]interopCheck{}}
	s.requests.copy = transcript
	count := 1
	for _, c := range cases {
		count = max(count, c.Count)
	}
	specs := make([]sim.Spec, count)
	for i := range specs {
		specs[i] = sim.Spec{Board: InteropBoard, Mode: "dfu"}
	}
	w, err := sim.New(specs, sim.Options{
		Speed: speed, PollProgram: (512 * word).Truncate(time.Millisecond), Transcript: &s.requests,
	})
	if err != nil {
		return nil, err
	}
	s.world, s.boards = w, w.Boards()
	s.factory = s.boards[0].Flash()
	s.requests.part = s.boards[0].Part()
	for _, c := range cases {
		s.cases[c.Name] = c
		s.images[c.Name] = c.Image(s.boards[0].Part())
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

// Board is the first simulated board served (1-1).
func (s *InteropServer) Board() *sim.Board { return s.boards[0] }

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
		c, ok := s.cases[f[1]]
		if !ok {
			return fmt.Sprintf("error: unknown case %q", f[1])
		}
		ans := s.check(ctx, c)
		done := s.requests.count()
		s.mu.Lock()
		s.checks[f[1]+" "+f[2]] = interopCheck{answer: ans, work: done.minus(s.mark)}
		s.mu.Unlock()
		return ans
	}
	return fmt.Sprintf("error: unknown command %q: prepare CASE | check CASE TOOL", strings.Join(f, " "))
}

// prepare writes the case's starting content on its boards, holds BOOT0
// high and resets them, and waits for the ROM bootloader.
func (s *InteropServer) prepare(ctx context.Context, c InteropCase) string {
	what := "factory state"
	for _, b := range s.boards[:max(c.Count, 1)] {
		if err := b.WriteFlash(b.Part().FlashBase, s.factory); err != nil {
			return "error: " + err.Error()
		}
		if c.Before != nil {
			if err := b.WriteFlash(b.Part().FlashBase, c.Before(b.Part())); err != nil {
				return "error: " + err.Error()
			}
			what = "starting content written"
		}
		b.SetBoot0(true)
		b.Reset()
	}
	for _, b := range s.boards[:max(c.Count, 1)] {
		if err := waitRun(ctx, b, sim.RunROM, 10*time.Second); err != nil {
			return "error: " + err.Error()
		}
	}
	done := s.requests.count()
	s.mu.Lock()
	s.mark = done
	s.mu.Unlock()
	if c.Count > 1 {
		what = fmt.Sprintf("%d boards, %s", c.Count, what)
	}
	return "ready: " + what + ", ROM bootloader running"
}

// check waits briefly for the case's boards to run their application (a
// leave may still be completing) and compares their flash with the image.
func (s *InteropServer) check(ctx context.Context, c InteropCase) string {
	img := s.images[c.Name]
	var persona string
	for i, b := range s.boards[:max(c.Count, 1)] {
		err := waitRun(ctx, b, sim.RunApp, 5*time.Second)
		st := b.State()
		if string(b.Flash()[:len(img)]) != string(img) {
			return fmt.Sprintf("FAILED: board %d does not hold the image (it runs: %s)", i+1, st.Run)
		}
		if err != nil {
			return fmt.Sprintf("FAILED: board %d holds the image but %v", i+1, err)
		}
		persona = st.Persona
	}
	return fmt.Sprintf("ok: the board holds the image and runs the application (%s)", persona)
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
