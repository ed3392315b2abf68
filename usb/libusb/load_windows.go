//go:build windows

package libusb

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/windows"
)

// load opens libusb-1.0.dll with LoadLibraryExW, searching the program's
// directory first and then System32 (not the current directory), and
// resolves its functions with GetProcAddress.
func load() (lib, error) {
	h, err := windows.LoadLibraryEx("libusb-1.0.dll", 0, windows.LOAD_LIBRARY_SEARCH_APPLICATION_DIR|windows.LOAD_LIBRARY_SEARCH_SYSTEM32)
	if err != nil {
		return nil, fmt.Errorf("libusb: %w (%v): download the libusb release from https://github.com/libusb/libusb/releases and copy libusb-1.0.dll (the VS2022 MS64 or MinGW64 one for 64-bit Windows) next to softdfu.exe", errNoLibrary, err)
	}
	sym := func(s string) (uintptr, error) { return windows.GetProcAddress(h, s) }
	call := func(fn uintptr, args ...uintptr) uintptr {
		r, _, _ := syscall.SyscallN(fn, args...)
		return r
	}
	return newDynlib(sym, call)
}

var errNoLibrary = errors.New("libusb-1.0.dll is not installed")
