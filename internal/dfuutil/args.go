// Package dfuutil is a drop-in for dfu-util 0.11's command line on top of
// softdfu's engine: the same options, the same "-l" lines, the lines
// scripts key on and dfu-util's sysexits exit codes, with softdfu's safer
// flashing behind them (unchanged sectors skipped, bytes outside the image
// kept, read-back verify, the board followed across re-enumeration, no
// failure after a leave that worked). docs/DFU-UTIL.md lists every
// difference from dfu-util.
//
// Parse reads the arguments the way dfu-util's getopt_long loop does,
// without touching a board; Run executes them.
package dfuutil

import "fmt"

// Mode is what dfu-util was asked to do; the last of -V, -l, -e, -U and -D
// wins, as in dfu-util.
type Mode int

// The modes.
const (
	ModeNone Mode = iota
	ModeVersion
	ModeList
	ModeDetach
	ModeUpload
	ModeDownload
)

// String names the mode ("download").
func (m Mode) String() string {
	return [...]string{"none", "version", "list", "detach", "upload", "download"}[m]
}

// Any and Impossible are the special -d match values: "*" (or nothing)
// matches any ID, "-" matches none.
const (
	Any        = -1
	Impossible = 0x10000
)

// Args is a parsed dfu-util command line.
type Args struct {
	Mode    Mode
	Help    bool // -h: print the help and exit 0
	Verbose int
	// DetachDelay is -E in seconds (default 5).
	DetachDelay int
	// Vendor, Product match a run-time device, VendorDFU, ProductDFU a
	// DFU-mode one (-d); Any or Impossible or an ID (possibly > 0xffff,
	// which matches nothing, as in dfu-util).
	Vendor, Product, VendorDFU, ProductDFU int
	Path                                   string // -p, "" for any
	Config                                 int    // -c, -1 for any (0 counts as any)
	Interface                              int    // -i, -1 for any
	Alt                                    int    // -a NUMBER, -1 for any
	AltName                                string // -a NAME
	Devnum                                 int    // -n, -1 for any
	// Serial and SerialDFU match the serial string of a run-time and a
	// DFU-mode device (-S); "" matches any.
	Serial, SerialDFU string
	TransferSize      int // -t, 0: the device's
	UploadSize        int // -Z
	File              string
	Reset             bool // -R
	Wait              bool // -w
	// DfuSeGiven says -s was given; DfuSeArg is its argument. The
	// argument is read when the board is opened, as dfu-util does (Run),
	// but ParseDfuSe can check it at once.
	DfuSeGiven bool
	DfuSeArg   string
}

// UsageError is a bad command line: dfu-util exits 64 (EX_USAGE) on it.
// Help asks for the help text after the message.
type UsageError struct {
	Msg  string
	Help bool
}

// Error returns dfu-util's message.
func (e *UsageError) Error() string { return e.Msg }

func usageErr(format string, a ...any) *UsageError {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// Parse reads dfu-util's arguments (without the program name). Errors are
// *UsageError with dfu-util's messages; getopt's own messages ask for the
// help text, as do unexpected arguments and a missing -D/-U.
func Parse(args []string) (*Args, error) {
	a := &Args{DetachDelay: 5, Vendor: Any, Product: Any, VendorDFU: Any, ProductDFU: Any,
		Config: -1, Interface: -1, Alt: -1, Devnum: -1}
	var perr error
	rest, err := getopt(args, func(ev optEvent) bool {
		if ev.c == 'h' {
			a.Help = true
			return false
		}
		perr = a.apply(ev)
		return perr == nil
	})
	switch {
	case err != nil:
		return nil, &UsageError{Msg: err.Error(), Help: true}
	case perr != nil:
		return nil, perr
	case a.Help:
		return a, nil
	case len(rest) > 0:
		return nil, &UsageError{Msg: "Error: Unexpected argument: " + rest[0], Help: true}
	}
	if a.Config == 0 {
		a.Config = -1 // "-c 0" (unconfigured device) means any
	}
	return a, nil
}

// CheckMode is dfu-util's check after printing its banner: a mode or -s
// is needed (-V stops before it).
func (a *Args) CheckMode() error {
	if a.Mode == ModeNone && !a.DfuSeGiven {
		return &UsageError{Msg: "You need to specify one of -D or -U", Help: true}
	}
	return nil
}

// apply records one option.
func (a *Args) apply(ev optEvent) error {
	var err error
	switch ev.c {
	case 'V':
		a.Mode = ModeVersion
	case 'v':
		a.Verbose++
	case 'l':
		a.Mode = ModeList
	case 'e':
		a.Mode = ModeDetach
	case 'E':
		a.DetachDelay, err = parseNumber("detach-delay", ev.arg)
	case 'd':
		a.parseDevice(ev.arg)
	case 'p':
		a.Path = ev.arg
	case 'c':
		a.Config, err = parseNumber("cfg", ev.arg)
	case 'i':
		a.Interface, err = parseNumber("intf", ev.arg)
	case 'a':
		v, n, _ := strtoul(ev.arg, 0)
		a.Alt = int(int32(uint32(v)))
		if n != len(ev.arg) {
			a.Alt, a.AltName = -1, ev.arg
		}
	case 'n':
		a.Devnum = atoi(ev.arg)
	case 'S':
		a.parseSerial(ev.arg)
	case 't':
		a.TransferSize, err = parseNumber("transfer-size", ev.arg)
	case 'U':
		a.Mode, a.File = ModeUpload, ev.arg
	case 'Z':
		a.UploadSize, err = parseNumber("upload-size", ev.arg)
	case 'D':
		a.Mode, a.File = ModeDownload, ev.arg
	case 'R':
		a.Reset = true
	case 's':
		a.DfuSeGiven, a.DfuSeArg = true, ev.arg
	case 'w':
		a.Wait = true
	}
	return err
}

// parseNumber is dfu-util's check of a numeric argument (strtol base 0,
// nothing after the number).
func parseNumber(name, s string) (int, error) {
	v, n, ok := strtol(s)
	if !ok || n != len(s) {
		return 0, usageErr("Something went wrong with the argument of --%s\n", name)
	}
	if n == 0 {
		return 0, usageErr("No digits were found from the argument of --%s\n", name)
	}
	return int(int32(v)), nil
}
