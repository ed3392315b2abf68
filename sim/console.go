package sim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
)

const consoleHelp = `commands (PORT is a bus ID such as 1-1; without it, every board):
  dfu [PORT]        hold BOOT0 high and press reset: the board starts the ROM bootloader
  run [PORT]        release BOOT0 and press reset: the board starts its application
  reset [PORT]      press reset (BOOT0 as it is)
  boot0 high|low [PORT]
  state [PORT]      what each board runs
  help`

// Console runs the simulated boards' buttons as line commands (dfu, run,
// reset, boot0, state, help), the way a person at the bench would press
// them. It reads until r ends.
func (w *World) Console(r io.Reader, out io.Writer) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		fmt.Fprintln(out, w.consoleCommand(strings.Fields(line)))
	}
}

func (w *World) consoleCommand(f []string) string {
	boards := func(args []string) ([]*Board, string) {
		if len(args) == 0 {
			return w.Boards(), ""
		}
		b := w.Board(args[0])
		if b == nil {
			return nil, fmt.Sprintf("error: no board on port %q (ports: %s)", args[0], strings.Join(w.Ports(), ", "))
		}
		return []*Board{b}, ""
	}
	state := func(bs []*Board) string {
		var s []string
		for _, b := range bs {
			st := b.State()
			line := fmt.Sprintf("%s: %s", b.Port(), st.Run)
			if st.Persona != "" {
				line += " (" + st.Persona + ")"
			}
			if st.Reason != "" {
				line += ": " + st.Reason
			}
			s = append(s, line)
		}
		return strings.Join(s, "\n")
	}
	var args []string
	if len(f) > 1 {
		args = f[1:]
	}
	switch f[0] {
	case "help", "?":
		return consoleHelp
	case "state":
		bs, err := boards(args)
		if err != "" {
			return err
		}
		return state(bs)
	case "dfu", "run", "reset":
		bs, err := boards(args)
		if err != "" {
			return err
		}
		for _, b := range bs {
			switch f[0] {
			case "dfu":
				b.SetBoot0(true)
			case "run":
				b.SetBoot0(false)
			}
			b.Reset()
		}
		return state(bs)
	case "boot0":
		if len(args) == 0 || (args[0] != "high" && args[0] != "low") {
			return "error: boot0 high|low [PORT]"
		}
		bs, err := boards(args[1:])
		if err != "" {
			return err
		}
		for _, b := range bs {
			b.SetBoot0(args[0] == "high")
		}
		return fmt.Sprintf("BOOT0 %s (takes effect at the next reset)", args[0])
	}
	return fmt.Sprintf("error: unknown command %q; type help", f[0])
}

// ServeConsole accepts control connections on l until ctx ends; each runs
// Console.
func (w *World) ServeConsole(ctx context.Context, l net.Listener) {
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			w.Console(c, c)
		}()
	}
}
