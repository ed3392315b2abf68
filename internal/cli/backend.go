package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/backend"
)

// backendFlag adds --backend (env SOFTDFU_BACKEND).
func (e *env) backendFlag(pf *pflag.FlagSet) {
	pf.StringVar(&e.backend, "backend", os.Getenv("SOFTDFU_BACKEND"),
		"USB backend for real boards: `"+strings.Join(backend.Names, "|")+"` (native: usbfs, WinUSB, IOKit; auto: native, then libusb on macOS and Windows; env SOFTDFU_BACKEND)")
}

// nativeHost is the operating system's USB through the chosen backend.
func (e *env) nativeHost() (usb.Host, error) {
	h, err := backend.New(e.backend)
	if err != nil {
		return nil, usageError("--backend: %v", err)
	}
	return h, nil
}
