//go:build darwin || (linux && libusb)

package libusb

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/ebitengine/purego"
)

// names are the file names libusb-1.0 has on this system, tried in order
// with dlopen(3): the plain name first (the loader's search path), then
// where Homebrew (Apple silicon, Intel) and MacPorts put it.
var names = map[string][]string{
	"linux":  {"libusb-1.0.so.0", "libusb-1.0.so"},
	"darwin": {"libusb-1.0.0.dylib", "/opt/homebrew/lib/libusb-1.0.0.dylib", "/usr/local/lib/libusb-1.0.0.dylib", "/opt/local/lib/libusb-1.0.0.dylib"},
}

// howToGet says how to install libusb here.
var howToGet = map[string]string{
	"linux":  "install it: sudo apt install libusb-1.0-0 (Debian, Ubuntu), sudo dnf install libusb1 (Fedora), sudo pacman -S libusb (Arch)",
	"darwin": "install it with Homebrew (brew install libusb) or MacPorts (sudo port install libusb)",
}

// load opens libusb-1.0 with dlopen and resolves its functions.
func load() (lib, error) {
	var errs []string
	for _, name := range names[runtime.GOOS] {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		sym := func(s string) (uintptr, error) { return purego.Dlsym(h, s) }
		call := func(fn uintptr, args ...uintptr) uintptr {
			r, _, _ := purego.SyscallN(fn, args...)
			return r
		}
		return newDynlib(sym, call)
	}
	return nil, fmt.Errorf("libusb: %w: %s; %s", errNoLibrary, howToGet[runtime.GOOS], strings.Join(errs, "; "))
}

var errNoLibrary = errors.New("libusb-1.0 is not installed")
