package cli

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/usb/backend"
)

// backendFlag adds --backend (env SOFTDFU_BACKEND).
func (e *env) backendFlag(pf *pflag.FlagSet) {
	pf.StringVar(&e.backend, "backend", os.Getenv("SOFTDFU_BACKEND"),
		"USB backend for real boards: `"+strings.Join(backend.Names, "|")+"` (native: usbfs, WinUSB, IOKit; auto: native, then libusb on macOS and Windows; env SOFTDFU_BACKEND)")
}
