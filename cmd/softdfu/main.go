// Command softdfu updates STM32F4 firmware over USB: it finds boards, enters
// the ROM DFU bootloader from software, flashes bin/hex/srec/elf/dfu/uf2
// files with DfuSe, verifies, leaves and checks that the application came
// back. Run "softdfu help" for the commands.
//
// Started as "dfu-util" (a symlink or a copy), or as "softdfu dfu-util
// ARGS...", it answers to dfu-util 0.11's command line (docs/DFU-UTIL.md).
package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/softdfu/softdfu/internal/cli"
	"github.com/softdfu/softdfu/internal/dfuutil"
)

func main() {
	args := os.Args[1:]
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	if name != "dfu-util" && len(args) > 0 && args[0] == "dfu-util" {
		name, args = "dfu-util", args[1:]
	}
	if name == "dfu-util" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		code := dfuutil.Main(ctx, args, dfuutil.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		os.Exit(code)
	}
	os.Exit(cli.Main(args, os.Stdin, os.Stdout, os.Stderr))
}
