package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/usb/usbip"
)

func (e *env) simCommand() *cobra.Command {
	var boards, listen, control string
	var stdinConsole bool
	var list bool
	var speed float64
	c := &cobra.Command{
		Use:   "sim",
		Short: "Serve simulated boards over USB/IP to any tool (dfu-util, the Linux kernel)",
		Long: `Serve simulated STM32F4 boards over USB/IP, so that real tools can use them:
the Linux kernel's vhci-hcd (usbip attach -r HOST -b 1-1), dfu-util behind
it, or softdfu itself with --usbip HOST:PORT.

Boards are named as for every other command: --sim BOARD is the board
running its factory application, BOARD:dfu the board held in the ROM
bootloader. Bus IDs are 1-1, 1-2, ... in the order of --sim. When a board re-enumerates (application to
bootloader, or a reset) the server closes that connection and exports the new
device under the same bus ID. It listens on loopback unless --listen names
another address.

The boards' BOOT0 pins and reset buttons are there as on a bench: with
--console, type "dfu 1-1" (BOOT0 high + reset), "run 1-1", "reset", "state";
--control ADDR takes the same commands over TCP (echo "dfu 1-1" | nc ...).

Simulated time runs in real time (--sim-speed 1), whatever the client, so
tools see the times a real board takes; --sim-speed 10 runs ten times faster,
--sim-speed 0 answers at once (for tests that need no timing).

--board, --speed and --fault are other names of --sim, --sim-speed and
--sim-fault.`,
		Args: exactArgs(0, "no arguments (boards go in --sim)"),
		RunE: func(c *cobra.Command, args []string) error {
			if list {
				return e.listBoards()
			}
			if boards == "" {
				return usageError("sim needs --sim BOARD[,BOARD...]: one of %s (see softdfu sim --list-boards)", simBoards())
			}
			if speed < 0 {
				return usageError("--sim-speed %v: give 0 (instant), 1 (real time) or a larger factor", speed)
			}
			e.simSpeed = speed
			return e.serveSim(c.Context(), boards, listen, control, stdinConsole)
		},
	}
	// The same spellings as every other command (--sim, --sim-speed,
	// --sim-fault); the old ones stay as other names.
	c.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if n, ok := simAliases[name]; ok {
			name = n
		}
		return pflag.NormalizedName(name)
	})
	c.Flags().StringVar(&boards, "sim", "", "boards to serve: `BOARD[:MODE][,...]`")
	c.Flags().Float64Var(&speed, "sim-speed", 1, "speed of simulated time: 1 = real time, 10 = ten times faster, 0 = instant")
	c.Flags().StringVar(&listen, "listen", usbip.DefaultAddr, "TCP `address` to listen on")
	c.Flags().BoolVar(&list, "list-boards", false, "print the catalog of simulated boards and exit")
	c.Flags().StringVar(&control, "control", "", "also accept board-button commands (dfu, run, reset, state) on this TCP `address`")
	c.Flags().BoolVar(&stdinConsole, "console", false, "read board-button commands from standard input (type help)")
	return c
}

// simAliases are the sim command's older flag names.
var simAliases = map[string]string{"board": "sim", "speed": "sim-speed", "fault": "sim-fault"}

// speedName says how fast simulated time runs.
func speedName(speed float64) string {
	switch speed {
	case 0:
		return "with instant simulated time (--sim-speed 0)"
	case 1:
		return "in real time (--sim-speed 1)"
	}
	return fmt.Sprintf("at %g times real time (--sim-speed %g)", speed, speed)
}
