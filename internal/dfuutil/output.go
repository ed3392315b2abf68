package dfuutil

import (
	"fmt"
	"io"
	"strings"
)

// Version is the dfu-util release whose command line this package follows.
const Version = "0.11"

// banner is what starts every run but -h (stdout), as dfu-util's version
// block does; scripts that check "dfu-util 0.11" find it on the first line.
func banner(w io.Writer) {
	fmt.Fprintf(w, "dfu-util %s (softdfu drop-in: softdfu's engine behind dfu-util's command line)\n\n", Version)
}

// helpText lists the options in softdfu's own words.
const helpText = `Usage: dfu-util [options] ...   (softdfu's dfu-util drop-in)
  -h --help                     print this help
  -V --version                  print the version
  -v --verbose                  more messages (repeat for more)
  -l --list                     list DFU interfaces (bootloaders and run-time)
  -e --detach                   bring the board into its bootloader (DFU detach,
                                or CircuitPython/MicroPython entry)
  -E --detach-delay SECONDS     accepted; softdfu follows the board instead of waiting
  -d --device VID:PID[,VID:PID] match IDs (run-time, then DFU mode; * any, - none)
  -n --devnum N                 match a device number (devnum in --list)
  -p --path BUS-PORT[.PORT...]  match a port path
  -c --cfg N                    match a configuration
  -i --intf N                   match an interface number
  -S --serial SERIAL[,SERIAL]   match serial strings (run-time, then DFU mode)
  -a --alt ALT                  match an alternate setting by number or name
  -t --transfer-size N          bytes per transfer (default: the device's)
  -U --upload FILE              read memory into FILE (must not exist)
  -Z --upload-size N            expected upload size (DFU 1.1 devices only)
  -D --download FILE            write FILE (.bin with -s ADDRESS, or a .dfu file)
  -R --reset                    reset the USB device when done
  -w --wait                     wait for a device to appear
  -s --dfuse-address ADDRESS[:MODIFIER...]
                                DfuSe target address, then modifiers:
        leave                   start the application afterwards
        mass-erase              erase the whole flash (needs force)
        unprotect               remove read protection, erasing the flash (needs force)
        will-reset              the device resets after the command (option bytes)
        force                   allow the above and writes outside known memory
        LENGTH                  number of bytes to upload
Environment: SOFTDFU_DFU_UTIL_CLASSIC=1 erases every touched sector and skips
the verify, as dfu-util does; SOFTDFU_USBIP=HOST:PORT and SOFTDFU_SIM=BOARD[:MODE]
pick other places to find boards. See docs/DFU-UTIL.md.
`

// listLine is one "-l" line, in dfu-util's exact format.
func listLine(f Interface) string {
	kind := "Runtime"
	if f.DFU {
		kind = "DFU"
	}
	return fmt.Sprintf("Found %s: [%04x:%04x] ver=%04x, devnum=%d, cfg=%d, intf=%d, path=\"%s\", alt=%d, name=\"%s\", serial=\"%s\"\n",
		kind, f.Vendor, f.Product, f.BCDDevice, f.Devnum, f.Config, f.Interface, f.Path, f.Alt, f.Name, f.Serial)
}

// progressBar draws dfu-util-style progress lines ("Download\t[===  ] 40%
// ... bytes", ending in "Download done."), redrawn in place with \r.
type progressBar struct {
	w     io.Writer
	label string
	last  int
	done  bool
}

const barWidth = 25

func newBar(w io.Writer, label string) *progressBar {
	b := &progressBar{w: w, label: label, last: -1}
	b.update(0, 1)
	return b
}

func (b *progressBar) update(cur, max int) {
	if b.done {
		return
	}
	if max <= 0 {
		max = 1
	}
	cur = min(cur, max)
	filled := barWidth * cur / max
	if filled == b.last {
		return
	}
	b.last = filled
	fmt.Fprintf(b.w, "\r%-8s\t[%s%s] %3d%% %12d bytes", b.label, strings.Repeat("=", filled), strings.Repeat(" ", barWidth-filled), 100*cur/max, cur)
}

// finish draws the full bar for total bytes and prints the "LABEL done."
// line scripts look for.
func (b *progressBar) finish(total int) {
	if b.done {
		return
	}
	if b.last != barWidth {
		b.update(total, max(total, 1))
	}
	b.done = true
	fmt.Fprintf(b.w, "\n%s done.\n", strings.TrimSpace(b.label))
}
