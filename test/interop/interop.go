// Package interop runs softdfu against real Linux tools (the kernel's vhci-hcd
// USB/IP client, usbip, dfu-util) inside a small QEMU VM: a Debian kernel and
// a busybox initramfs, booted with TCG and user networking, so that the guest
// reaches the host's loopback at 10.0.2.2.
//
// The VM is built and booted by vm.sh next to this file; Run drives it from Go
// tests. The first run installs qemu-system-x86, busybox-static, dfu-util and
// usbip with apt-get, downloads Debian's linux-image-*-amd64 and builds the
// initramfs; all of it is cached under $XDG_CACHE_HOME/softdfu-interop
// (Options.CacheDir), so later runs only boot. The kernel boots as an
// uncompressed vmlinux through PVH: about 3.5 s to the guest script under TCG.
//
// Tests that boot the VM are skipped unless SOFTDFU_INTEROP=1:
//
//	SOFTDFU_INTEROP=1 go test ./test/interop/
//
// By hand: `bash test/interop/vm.sh run guest.sh [FILE...]` boots, runs
// guest.sh in the guest (FILEs in its working directory /data) and prints the
// console; the script's output lies between "=== GUEST BEGIN ===" and
// "=== GUEST END rc=N ===".
package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// EnvEnable is the variable that must be "1" for VM tests to run.
const EnvEnable = "SOFTDFU_INTEROP"

// EnvServer overrides ServerCommand.
const EnvServer = "SOFTDFU_INTEROP_SERVER"

// GuestHost is the address under which the guest reaches the host's loopback.
const GuestHost = "10.0.2.2"

// Enabled reports whether SOFTDFU_INTEROP=1 asks for VM tests.
func Enabled() bool { return os.Getenv(EnvEnable) == "1" }

// Dir returns the directory holding vm.sh (this package's source directory).
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Script returns the path of vm.sh.
func Script() string { return filepath.Join(Dir(), "vm.sh") }

// RepoRoot returns the root of the softdfu module.
func RepoRoot() string { return filepath.Dir(filepath.Dir(Dir())) }

// Options tunes one VM run. The zero value boots with TCG and a 5-minute limit.
type Options struct {
	// Files are copied into the guest's /data (the guest script's working
	// directory), keyed by base name.
	Files map[string][]byte
	// Softdfu is a static softdfu binary to install as /usr/bin/softdfu.
	Softdfu string
	// KVM boots with -accel kvm instead of TCG.
	KVM bool
	// CPUs is the guest's CPU count (default 1; more run under
	// multi-threaded TCG).
	CPUs int
	// Timeout kills the VM after this long; 0 means 5 minutes.
	Timeout time.Duration
	// CacheDir overrides the cache directory
	// ($XDG_CACHE_HOME/softdfu-interop by default).
	CacheDir string
}

// Result is what a VM run printed.
type Result struct {
	// Console is the whole serial console log.
	Console string
	// Output is what the guest script printed (stdout and stderr).
	Output string
	// ExitCode is the guest script's exit status.
	ExitCode int
	// Elapsed is the wall time from starting QEMU to its exit.
	Elapsed time.Duration
}

func (o Options) env() []string {
	env := os.Environ()
	if o.CacheDir != "" {
		env = append(env, "SOFTDFU_INTEROP_CACHE="+o.CacheDir)
	}
	if o.CPUs > 1 {
		env = append(env, fmt.Sprintf("SOFTDFU_INTEROP_SMP=%d", o.CPUs))
	}
	if o.KVM {
		env = append(env, "SOFTDFU_INTEROP_KVM=1")
	}
	if o.Softdfu != "" {
		env = append(env, "SOFTDFU_INTEROP_SOFTDFU="+o.Softdfu)
	}
	t := o.Timeout
	if t <= 0 {
		t = 5 * time.Minute
	}
	return append(env, "SOFTDFU_INTEROP_TIMEOUT="+strconv.Itoa(int(t.Seconds())))
}

// Prepare installs the packages the VM needs (apt-get) and builds the cached
// kernel and initramfs. Run calls it too; calling it first separates the
// one-time cost from the boot.
func Prepare(ctx context.Context, o Options) error {
	cmd := exec.CommandContext(ctx, "bash", Script(), "prepare")
	cmd.Env = o.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("interop: vm.sh prepare: %w\n%s", err, out)
	}
	return nil
}

var endMarker = regexp.MustCompile(`(?m)^=== GUEST END rc=(\d+) ===\r?$`)

// Run boots the VM, runs guest (a shell script) in it and returns what it
// printed. It fails if the VM did not reach the end of the script.
func Run(ctx context.Context, guest string, o Options) (*Result, error) {
	dir, err := os.MkdirTemp("", "softdfu-interop-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	gp := filepath.Join(dir, "guest.sh")
	if err := os.WriteFile(gp, []byte(guest), 0o755); err != nil {
		return nil, err
	}
	args := []string{Script(), "run", gp}
	for name, b := range o.Files {
		p := filepath.Join(dir, "files", filepath.Base(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
		args = append(args, p)
	}
	if err := Prepare(ctx, o); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "bash", args...)
	cmd.Env = o.env()
	var out, stderr bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	res := &Result{Console: strings.ReplaceAll(out.String(), "\r\n", "\n"), Elapsed: time.Since(start), ExitCode: -1}
	m := endMarker.FindStringSubmatchIndex(res.Console)
	begin := strings.Index(res.Console, "=== GUEST BEGIN ===\n")
	if m == nil || begin < 0 {
		return res, fmt.Errorf("interop: the VM did not finish the guest script (%v; vm.sh said: %s); console:\n%s",
			err, strings.TrimSpace(stderr.String()), res.Console)
	}
	res.Output = res.Console[begin+len("=== GUEST BEGIN ===\n") : m[0]]
	res.ExitCode, _ = strconv.Atoi(res.Console[m[2]:m[3]])
	return res, nil
}

// BuildSoftdfu builds a static softdfu binary (CGO_ENABLED=0) into dir and
// returns its path.
//
// Build tags may be given: "libusb" compiles in the libusb backend, which
// makes the binary dynamically linked (vm.sh then copies its libraries and
// the libusb it loads into the guest).
func BuildSoftdfu(ctx context.Context, dir string, tags ...string) (string, error) {
	root := RepoRoot()
	out := filepath.Join(dir, "softdfu")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags="+strings.Join(tags, ","), "-o", out, "./cmd/softdfu")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("interop: building softdfu: %w\n%s", err, b)
	}
	return out, nil
}

// ServerCommand is the command line that serves the simulated board the
// dfu-util checks expect, with "{addr}" standing for the listen address and
// "{control}" for the address of its board buttons (softdfu sim --control).
// SOFTDFU_INTEROP_SERVER overrides it (same placeholder); {softdfu} stands
// for the binary BuildSoftdfu made.
func ServerCommand() string {
	if s := os.Getenv(EnvServer); s != "" {
		return s
	}
	return "{softdfu} sim --listen {addr} --control {control} --sim discovery-f407:dfu"
}

// DetachScript is guest shell code that defines detach: detach every
// imported port, then wait until the kernel has removed their devices.
// Importing a device into a port whose earlier device Linux has not yet
// removed makes the hub driver take the new one for the old (it reads the
// device and configuration descriptors and the serial, finds them
// unchanged and keeps the old device), so the new one is never sent
// SET_CONFIGURATION and its first SET_INTERFACE stalls; seen with eight
// boards re-imported right after they left the bootloader.
const DetachScript = `
detach() {
	i=0
	while ports=$(usbip port 2>/dev/null | sed -n 's/^Port \([0-9]*\):.*/\1/p'); [ -n "$ports" ]; do
		for p in $ports; do usbip detach -p $p >/dev/null 2>&1; done
		i=$((i+1)); [ $i -ge 50 ] && { echo "DETACH FAILED: ports $ports"; return 1; }
		sleep 0.1
	done
	i=0
	while left=$(ls -d /sys/bus/usb/devices/[0-9]*-[0-9]* 2>/dev/null | grep -v :); [ -n "$left" ]; do
		i=$((i+1)); [ $i -ge 100 ] && { echo "DETACH FAILED: the kernel still lists" $left; return 1; }
		sleep 0.05
	done
}
`

// AttachScript is guest shell code that defines attach and detach: attach
// imports bus ID 1-1 from the USB/IP server on port and waits for the
// kernel to enumerate it (retrying, since a re-enumerating board takes a
// moment to come back); detach is DetachScript's.
func AttachScript(port int) string {
	return fmt.Sprintf(`
attach() {
	i=0
	until usbip --tcp-port %[1]d attach -r %[2]s -b 1-1; do
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
`, port, GuestHost) + DetachScript
}
