// Command softdfu updates STM32F4 firmware over USB: it finds boards, enters
// the ROM DFU bootloader from software, flashes bin/hex/srec/elf/dfu/uf2
// files with DfuSe, verifies, leaves and checks that the application came
// back. Run "softdfu help" for the commands.
package main

import (
	"os"

	"github.com/softdfu/softdfu/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
