package enter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/usb"
)

// Defaults for Options.
const (
	DefaultTimeout = 10 * time.Second
	DefaultWait    = 3 * time.Second
)

// Options tune Enter.
type Options struct {
	// Method forces a method; "" takes the first of Methods.
	Method Method
	// Timeout bounds the wait for the bootloader, in the host's clock
	// (simulated time for simulated boards). 0 means DefaultTimeout.
	Timeout time.Duration
	// Wait bounds each wait for REPL text, in wall time. 0 means
	// DefaultWait.
	Wait time.Duration
	// Quiet is how long a port must stay silent for its old output to
	// count as drained (wall time). 0 means 100 ms.
	Quiet time.Duration
	// Direct makes the REPL methods ask for the seed's direct jump from
	// the running application (a hidden call the simulated personas know,
	// microcontroller._enter_bootloader_direct()) instead of the reliable
	// request + reset. For comparisons only: it fails on boards whose ROM
	// misses the crystal.
	Direct bool
	// Log, when set, receives a line per step and the REPL conversation.
	Log func(string)
}

func (o *Options) logf(format string, a ...any) {
	if o.Log != nil {
		o.Log(fmt.Sprintf(format, a...))
	}
}

// Result is what Enter did.
type Result struct {
	// Method is the method used ("" when the board already was in DFU
	// mode).
	Method Method
	// App is the device as it ran its application; ROM the bootloader it
	// became.
	App, ROM usb.DeviceInfo
	// PredictedSerial is the ROM serial predicted from the application's
	// serial, "" when it could not be predicted.
	PredictedSerial string
	// Elapsed is the time from the request to the bootloader, in the
	// host's clock.
	Elapsed time.Duration
}

// Errors Enter wraps.
var (
	// ErrNoMethod: the device offers no software entry method.
	ErrNoMethod = board.Sentinel(board.NotInDFU, "no software entry method")
	// ErrNoBootloader: the request went out, but the board's bootloader
	// did not appear in time.
	ErrNoBootloader = board.Sentinel(board.Timeout, "the ROM bootloader did not appear")
)

// Enter asks the board running its application (app) for the ROM
// bootloader and waits for it. A device already in DFU mode is returned as
// it is.
func Enter(ctx context.Context, host usb.Host, app usb.DeviceInfo, opts Options) (*Result, error) {
	res := &Result{App: app}
	if IsBootloader(app.Descriptors) {
		res.ROM = app
		return res, nil
	}
	m := opts.Method
	supported := Methods(app.Descriptors)
	if m == "" {
		if len(supported) == 0 {
			return res, fmt.Errorf("%s (%s %q): %w: it shows no DFU run-time interface and no CDC-ACM port; hold BOOT0 high and press reset to start the ROM bootloader",
				app.Path, app.ID(), app.Descriptors.ProductName(), ErrNoMethod)
		}
		m = supported[0]
	} else if f, ok := Identify(app.Descriptors); ok && m != Detach && !f.Offers(m) {
		return res, refuse(app, f, m)
	}
	res.Method = m
	res.PredictedSerial, _ = PredictROMSerial(app.Descriptors.Serial())
	// The request is timed in the board's own clock when it has one (each
	// simulated board keeps its own time), else in the host's; WaitROM
	// then waits in the host's clock, which for a simulated world is the
	// first board's.
	opts.logf("%s: asking for the bootloader with %s", app.Path, m)
	clock, start, err := request(ctx, host, app, m, opts)
	if err != nil {
		return res, err
	}
	rom, err := WaitROM(ctx, host, app, opts.Timeout)
	res.Elapsed = clock.Now().Sub(start)
	if err != nil {
		if f, ok := Identify(app.Descriptors); ok && f.Caveat != "" && m != Detach {
			return res, fmt.Errorf("%s: %s: %w (%s: %s)", app.Path, m, err, f, f.Caveat)
		}
		return res, fmt.Errorf("%s: %s: %w", app.Path, m, err)
	}
	res.ROM = rom
	opts.logf("%s: bootloader %s serial %s on %s after %v", app.Path, rom.ID(), rom.Descriptors.Serial(), rom.Path, res.Elapsed)
	return res, nil
}

// Request sends method m's request to the board and returns once it went
// out. A device that drops off the bus while answering the last request
// has done what was asked.
func Request(ctx context.Context, host usb.Host, app usb.DeviceInfo, m Method, opts Options) error {
	_, _, err := request(ctx, host, app, m, opts)
	return err
}

// request is Request; it also returns the clock of the board (the host's
// when the device has none) and the time the request started in it.
func request(ctx context.Context, host usb.Host, app usb.DeviceInfo, m Method, opts Options) (usb.Clock, time.Time, error) {
	clock := usb.ClockOf(host)
	if m == Detach {
		return detach(ctx, host, app, opts)
	}
	if _, ok := FindACM(app.Descriptors); !ok {
		return clock, time.Time{}, fmt.Errorf("%s (%s): method %s needs a CDC-ACM port, which the device does not have: %w", app.Path, app.ID(), m, ErrNoMethod)
	}
	var port Port
	if len(app.Ports) > 0 {
		p, err := OpenTTY(app.Ports[0])
		if err != nil {
			return clock, time.Time{}, err
		}
		port = p
	} else {
		dev, err := host.Open(ctx, app)
		if err != nil {
			return clock, time.Time{}, fmt.Errorf("opening %s: %w", app, err)
		}
		defer dev.Close()
		clock = usb.ClockOf(dev)
		if port, err = OpenACM(ctx, dev); err != nil {
			return clock, time.Time{}, err
		}
	}
	defer port.Close()
	start := clock.Now()
	return clock, start, RequestPort(ctx, port, m, opts)
}

// RequestPort sends method m's request (repl, raw-repl or 1200bps) over an
// open serial port, for front ends that open the port themselves (a
// browser's Web Serial). It returns once the request went out.
func RequestPort(ctx context.Context, port Port, m Method, opts Options) error {
	wait := opts.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	quiet := opts.Quiet
	if quiet <= 0 {
		quiet = 100 * time.Millisecond
	}
	c := &conversation{port: port, wait: wait, quiet: quiet, log: opts.Log}
	var err error
	switch m {
	case Touch1200:
		err = touch1200(ctx, port)
	case REPL:
		err = circuitPython(ctx, c, opts.Direct)
	case RawREPL:
		err = rawREPL(ctx, c, opts.Direct)
	default:
		err = fmt.Errorf("enter: method %q does not use a serial port", m)
	}
	return err
}

// gone reports whether err, from the request that makes the board reset,
// is success: nil, or the device dropping off the bus while answering
// (over USB/IP the connection may close first, so any error but an ended
// context counts; WaitROM tells the truth).
func gone(err error) bool {
	return err == nil || !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// detach sends DFU_DETACH to the run-time interface.
func detach(ctx context.Context, host usb.Host, app usb.DeviceInfo, opts Options) (usb.Clock, time.Time, error) {
	clock := usb.ClockOf(host)
	fail := func(err error) (usb.Clock, time.Time, error) { return clock, time.Time{}, err }
	itf, ok := runTime(app.Descriptors)
	if !ok {
		return fail(fmt.Errorf("%s (%s): method detach needs a DFU run-time interface, which the device does not have: %w", app.Path, app.ID(), ErrNoMethod))
	}
	if itf.HasFunctional && itf.Functional.Attributes&dfu.AttrWillDetach == 0 {
		return fail(fmt.Errorf("%s (%s): the DFU run-time interface needs a USB reset after DFU_DETACH (bitWillDetach clear), which softdfu cannot send: %w; hold BOOT0 high and press reset instead", app.Path, app.ID(), ErrNoMethod))
	}
	timeout := uint16(1000)
	if itf.HasFunctional && itf.Functional.DetachTimeout > 0 {
		timeout = itf.Functional.DetachTimeout
	}
	dev, err := host.Open(ctx, app)
	if err != nil {
		return fail(fmt.Errorf("opening %s: %w", app, err))
	}
	defer dev.Close()
	clock = usb.ClockOf(dev)
	start := clock.Now()
	if err := dev.Claim(ctx, itf.Number); err != nil {
		return fail(fmt.Errorf("claiming the DFU run-time interface %d of %s: %w", itf.Number, app, err))
	}
	opts.logf("%s: DFU_DETACH (wTimeout %d ms) to interface %d", app.Path, timeout, itf.Number)
	_, err = dev.Control(ctx, usb.ClassInterfaceOut(uint8(dfu.ReqDetach), timeout, uint16(itf.Number), 0), nil)
	if errors.Is(err, usb.ErrStall) {
		return fail(fmt.Errorf("%s: DFU_DETACH stalled: the application refused to detach", app.Path))
	}
	if !gone(err) {
		return fail(err)
	}
	return clock, start, nil
}

// touch1200 opens the port at 1200 baud and drops DTR (the Arduino
// convention; CircuitPython on STM32 honours it too).
func touch1200(ctx context.Context, p Port) error {
	if err := p.SetLineCoding(ctx, 1200); err != nil {
		return fmt.Errorf("setting 1200 baud: %w", err)
	}
	if err := p.SetControlLines(ctx, false, false); !gone(err) {
		return fmt.Errorf("dropping DTR: %w", err)
	}
	return nil
}

// circuitPython interrupts code.py, reaches the >>> prompt and runs
// microcontroller.on_next_reset(RunMode.BOOTLOADER) + reset().
func circuitPython(ctx context.Context, c *conversation, direct bool) error {
	if err := prompt(ctx, c); err != nil {
		return err
	}
	lines := []string{"import microcontroller", "microcontroller.on_next_reset(microcontroller.RunMode.BOOTLOADER)"}
	last := "microcontroller.reset()"
	if direct {
		lines, last = lines[:1], "microcontroller._enter_bootloader_direct()"
	}
	for _, l := range lines {
		if err := command(ctx, c, l); err != nil {
			return err
		}
	}
	if err := c.send(ctx, last+"\r"); !gone(err) {
		return err
	}
	return nil
}

// prompt gets the friendly REPL's >>> prompt: Ctrl-C stops a running
// program; CircuitPython then waits for a key to enter the REPL.
func prompt(ctx context.Context, c *conversation) error {
	if err := c.send(ctx, "\x03"); err != nil {
		return err
	}
	_, which, err := c.expect(ctx, ">>> ", "Press any key to enter the REPL")
	if errors.Is(err, errQuiet) {
		// Nothing printed: a terminal-less REPL; try a fresh line.
		if err := c.send(ctx, "\r\x03"); err != nil {
			return err
		}
		_, which, err = c.expect(ctx, ">>> ", "Press any key to enter the REPL")
	}
	if err != nil {
		return fmt.Errorf("no REPL prompt after Ctrl-C: %w", err)
	}
	if which == 1 {
		if err := c.send(ctx, "\r"); err != nil {
			return err
		}
		if _, _, err := c.expect(ctx, ">>> "); err != nil {
			return fmt.Errorf("no REPL prompt after a key press: %w", err)
		}
	}
	return c.drain(ctx)
}

// command types one line at the prompt and checks it ran without error.
func command(ctx context.Context, c *conversation, line string) error {
	if err := c.send(ctx, line+"\r"); err != nil {
		return err
	}
	out, _, err := c.expect(ctx, ">>> ")
	if err != nil {
		return fmt.Errorf("running %q: %w", line, err)
	}
	if i := strings.Index(out, "Traceback"); i >= 0 {
		return fmt.Errorf("running %q on the board: %s", line, lastLine(out[i:]))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(strings.TrimSuffix(s, ">>> "))
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// rawREPL enters MicroPython's raw REPL as mpremote does
// (tools/mpremote/mpremote/transport_serial.py, enter_raw_repl and
// exec_raw_no_follow: "\r\x03", drain, "\r\x01", wait for
// "raw REPL; CTRL-B to exit\r\n>", the code, "\x04", "OK") and runs what
// mpremote's bootloader command runs.
func rawREPL(ctx context.Context, c *conversation, direct bool) error {
	if err := c.send(ctx, "\r\x03"); err != nil {
		return err
	}
	if err := c.drain(ctx); err != nil {
		return err
	}
	if err := c.send(ctx, "\r\x01"); err != nil {
		return err
	}
	if _, _, err := c.expect(ctx, "raw REPL; CTRL-B to exit\r\n>"); err != nil {
		return fmt.Errorf("could not enter the raw REPL: %w", err)
	}
	code := "import time, machine; time.sleep_ms(100); machine.bootloader()"
	if direct {
		code = "import machine; machine._enter_bootloader_direct()"
	}
	if err := c.send(ctx, code); err != nil {
		return err
	}
	if err := c.send(ctx, "\x04"); err != nil {
		if !gone(err) {
			return err
		}
		return nil // the board reset while taking the code
	}
	if _, _, err := c.expect(ctx, "OK"); err != nil {
		if errors.Is(err, errQuiet) || !gone(err) {
			return fmt.Errorf("the raw REPL did not accept the code: %w", err)
		}
		return nil // reset before "OK" reached us
	}
	// The board resets now; an error printed instead means it did not.
	out, _, err := c.expect(ctx, "\x04>")
	if err == nil {
		if parts := strings.Split(out, "\x04"); len(parts) >= 2 && strings.TrimSpace(parts[1]) != "" {
			return fmt.Errorf("machine.bootloader() failed on the board: %s", lastLine(parts[1]))
		}
	}
	return nil
}

// WaitROM waits until the bootloader of the board app described appears:
// a DFU-mode device with the ROM serial predicted from app's serial, or on
// app's port path. It waits at most timeout of the host's clock (0 means
// DefaultTimeout).
func WaitROM(ctx context.Context, host usb.Host, app usb.DeviceInfo, timeout time.Duration) (usb.DeviceInfo, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	pred, _ := PredictROMSerial(app.Descriptors.Serial())
	ours := func(d usb.DeviceInfo) bool {
		return IsBootloader(d.Descriptors) && (pred != "" && strings.EqualFold(d.Descriptors.Serial(), pred) || d.Path == app.Path)
	}
	seen, err := board.Wait(ctx, host, nil, timeout, ours)
	if err != nil {
		return usb.DeviceInfo{}, err
	}
	if seen != nil {
		return seen.Device, nil
	}
	// What the bus shows now: other boards' bootloaders, left alone.
	var others []string
	if devs, err := host.Devices(ctx); err == nil {
		for _, d := range devs {
			if IsBootloader(d.Descriptors) {
				others = append(others, fmt.Sprintf("%s on %s", d.Descriptors.Serial(), d.Path))
			}
		}
	}
	want := "on port " + app.Path
	if pred != "" {
		want = fmt.Sprintf("with serial %s or on port %s", pred, app.Path)
	}
	left := ""
	if len(others) > 0 {
		left = fmt.Sprintf(" (other boards' bootloaders, left alone: %s)", strings.Join(others, ", "))
	}
	return usb.DeviceInfo{}, fmt.Errorf("%w within %v: no DFU-mode device %s%s; the firmware may not support this method, or the ROM missed the crystal: try another entry method, or hold BOOT0 high and press reset",
		ErrNoBootloader, timeout, want, left)
}
