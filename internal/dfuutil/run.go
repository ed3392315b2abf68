package dfuutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/hosts"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// EnvClassic names the environment variable that turns softdfu's
// improvements off: "1" erases every sector a download touches, writes
// without reading back, and does not enter applications that have no DFU
// run-time interface, as dfu-util does.
const EnvClassic = "SOFTDFU_DFU_UTIL_CLASSIC"

// Env is what Main runs with.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Host, when set, is where boards are found; otherwise SOFTDFU_SIM
	// (simulated boards, as softdfu --sim), SOFTDFU_USBIP (a USB/IP
	// server) or the native USB backend.
	Host usb.Host
}

func (e *Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

// Main runs dfu-util's command line args (without the program name) and
// returns dfu-util's exit code for the outcome.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	a, err := Parse(args)
	if err != nil {
		return env.report(err)
	}
	if a.Help {
		fmt.Fprint(env.Stderr, helpText)
		return ExOK
	}
	banner(env.Stdout)
	if a.Mode == ModeVersion {
		return ExOK
	}
	r := &runner{a: a, env: &env, out: env.Stdout, classic: env.getenv(EnvClassic) == "1"}
	return env.report(r.run(ctx))
}

// report prints an error as dfu-util would and returns its exit code.
func (e *Env) report(err error) int {
	var ue *UsageError
	var xe *exitError
	switch {
	case err == nil:
		return ExOK
	case errors.As(err, &ue):
		switch {
		case strings.HasPrefix(ue.Msg, "Error: Unexpected argument"):
			fmt.Fprintf(e.Stderr, "%s\n\n", ue.Msg)
		case strings.HasPrefix(ue.Msg, "You need"):
			fmt.Fprintln(e.Stderr, ue.Msg)
		default:
			fmt.Fprintf(e.Stderr, "dfu-util: %s\n", ue.Msg)
		}
		if ue.Help {
			fmt.Fprint(e.Stderr, helpText)
		}
		return ExUsage
	case errors.As(err, &xe):
		if xe.plain {
			fmt.Fprintln(e.Stderr, xe.msg)
		} else {
			fmt.Fprintf(e.Stderr, "dfu-util: %s\n", xe.msg)
		}
		return xe.code
	}
	fmt.Fprintf(e.Stderr, "dfu-util: %v\n", err)
	return sysexit(err)
}

// host picks where boards are found.
func (e *Env) host() (usb.Host, error) {
	if e.Host != nil {
		return e.Host, nil
	}
	c, name := hosts.Choice{Sim: e.getenv("SOFTDFU_SIM")}, "SOFTDFU_SIM"
	if c.Sim == "" {
		c.USBIP, name = e.getenv("SOFTDFU_USBIP"), "SOFTDFU_USBIP"
	}
	host, _, err := hosts.New(c)
	var he *hosts.Error
	if errors.As(err, &he) {
		return nil, fail(ExUsage, "%s: %v", name, he.Err)
	}
	if err != nil {
		return nil, err
	}
	e.Host = host
	return host, nil
}

// runner is one run past the banner.
type runner struct {
	a       *Args
	env     *Env
	out     io.Writer
	classic bool
	dfuse   DfuSe
	file    *dfuFile
	host    usb.Host
	upfile  *os.File // the -U file, created before the board is touched
	// detached is set once a run-time board was brought into its
	// bootloader, whose run-time IDs were runtimeVendor, runtimeProduct.
	detached                      bool
	runtimeVendor, runtimeProduct int
	// left is the device that was asked to leave DFU mode, in whose clock
	// leftClock softdfu waits for its application.
	left      *usb.DeviceInfo
	leftClock usb.Clock
	started   bool // a board was opened
}

func (r *runner) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

// warnf prints a dfu-util warning line on standard error.
func (r *runner) warnf(format string, args ...any) {
	fmt.Fprintf(r.env.Stderr, "dfu-util: "+format+"\n", args...)
}

// run checks everything that needs no board, then finds the board and
// does the job.
func (r *runner) run(ctx context.Context) error {
	a := r.a
	if err := a.CheckMode(); err != nil {
		return err
	}
	if a.DfuSeGiven {
		d, err := ParseDfuSe(a.DfuSeArg)
		if err != nil {
			return err
		}
		r.dfuse = d
	}
	if err := r.prepareFile(); err != nil {
		return err
	}
	defer func() {
		if r.upfile != nil {
			r.upfile.Close()
			if !r.started {
				os.Remove(r.upfile.Name())
			}
		}
	}()
	if a.Wait {
		r.printf("Waiting for device, exit with ctrl-C\n")
	}
	host, err := r.env.host()
	if err != nil {
		return err
	}
	r.host = host
	list, err := r.find(ctx)
	if err != nil || a.Mode == ModeList {
		return err
	}
	root, err := r.pick(ctx, list)
	if err != nil {
		return err
	}
	r.printf("Opening DFU capable USB device...\n")
	r.printf("Device ID %04x:%04x\n", root.Vendor, root.Product)
	if root.Interface.Interface > 0 {
		r.printf("Run-Time device")
	} else {
		r.printf("Device")
	}
	r.printf(" DFU version %04x\n", root.DFUVersion)
	r.started = true
	if !root.DFU {
		r.detached, r.runtimeVendor, r.runtimeProduct = true, root.Vendor, root.Product
		if root, err = r.detach(ctx, root); err != nil || a.Mode == ModeDetach {
			return err
		}
	}
	if err := r.session(ctx, root); err != nil {
		return err
	}
	return r.followApp(ctx)
}

// prepareFile loads the download file (dfu-util's suffix warnings, IDs
// from the suffix) or turns a lone -s into DfuSe command mode.
func (r *runner) prepareFile() error {
	a := r.a
	switch {
	case a.Mode == ModeDownload:
		f, err := loadFile(a.File, r.env.Stdin)
		if err != nil {
			return err
		}
		for _, w := range f.Warnings {
			r.warnf("%s", w)
		}
		r.file = f
		if a.Vendor < 0 && f.Vendor != 0xffff {
			a.Vendor = f.Vendor
			r.printf("Match vendor ID from file: %04x\n", a.Vendor)
		}
		if a.Product < 0 && f.Product != 0xffff {
			a.Product = f.Product
			r.printf("Match product ID from file: %04x\n", a.Product)
		}
	case a.Mode == ModeNone && a.DfuSeGiven:
		a.Mode = ModeDownload // DfuSe command mode: -s alone
	case a.Mode == ModeUpload:
		f, err := createUpload(a.File)
		if err != nil {
			return err
		}
		r.upfile = f
	}
	return nil
}

// find probes for matching interfaces, printing them for -l and waiting
// for one with -w.
func (r *runner) find(ctx context.Context) ([]found, error) {
	for {
		list, err := probe(ctx, r.host, r.a)
		if err != nil && !errors.Is(err, usbfs.ErrNotLinux) {
			return nil, fail(ExIOErr, "unable to list USB devices: %v", err)
		}
		if r.a.Mode == ModeList {
			if err != nil {
				return nil, fail(ExIOErr, "unable to list USB devices: %v", err)
			}
			for _, f := range list {
				r.printf("%s", listLine(f.Interface))
			}
			return list, nil
		}
		if len(list) > 0 || !r.a.Wait {
			return list, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// pick applies dfu-util's rule: exactly one matching interface (or several
// alternate settings of one interface for a DfuSe file). With none, a
// board running an application softdfu can bring into its bootloader is
// taken (not in classic mode).
func (r *runner) pick(ctx context.Context, list []found) (found, error) {
	switch {
	case len(list) == 0:
		if !r.classic {
			if f, ok, err := r.application(ctx); ok || err != nil {
				return f, err
			}
		}
		return found{}, fail(ExIOErr, "No DFU capable USB device available")
	case r.file != nil && r.file.BCDDFU == dfu.VersionDfuSe && oneInterface(list):
		r.printf("Multiple alternate interfaces for DfuSe file\n")
	case len(list) > 1:
		return found{}, fail(ExIOErr, "More than one DFU capable USB device found! Try `--list' and specify the serial number or disconnect all but one device\n")
	}
	return list[0], nil
}

// oneInterface reports whether every entry is an alternate setting of the
// same interface of the same device.
func oneInterface(list []found) bool {
	for _, f := range list[1:] {
		if f.Path != list[0].Path || f.Config != list[0].Config || f.Interface.Interface != list[0].Interface.Interface {
			return false
		}
	}
	return true
}

// statusLine is dfu-util's "DFU state(2) = dfuIDLE, status(0) = ..." line.
func statusLine(st dfu.Status) string {
	d := st.Status.Description()
	if d != "" {
		d = strings.ToUpper(d[:1]) + d[1:]
	}
	return fmt.Sprintf("DFU state(%d) = %s, status(%d) = %s\n", st.State, st.State, st.Status, d)
}
