package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/softdfu/softdfu/usb"
)

// selection is how a command picks boards: --serial, --path, --all.
type selection struct {
	serial string
	path   string
	all    bool
}

func (s *selection) flags(fs *pflag.FlagSet) {
	fs.StringVar(&s.serial, "serial", "", "the board with this USB serial number")
	fs.StringVar(&s.path, "path", "", "the board on this USB port path (for example 1-1.4)")
	fs.BoolVar(&s.all, "all", false, "every matching board, in parallel")
}

func (s *selection) match(b board) bool {
	if s.serial != "" && !strings.EqualFold(b.Serial, s.serial) {
		return false
	}
	if s.path != "" && b.Path != s.path {
		return false
	}
	return true
}

// pick returns the boards the selection names among those accepted by
// want. Without --all exactly one must match; an ambiguous selection lists
// the candidates.
func (e *env) pick(ctx context.Context, s *selection, what string, want func(board) bool) (usb.Host, []board, error) {
	host, all, err := e.boards(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []board
	for _, b := range all {
		if s.match(b) && (want == nil || want(b)) {
			out = append(out, b)
		}
	}
	switch {
	case len(out) == 0 && len(all) == 0:
		return nil, nil, noDevice("no boards found: connect one and put it in the ROM bootloader (BOOT0 high, reset), or check the cable and softdfu list")
	case len(out) == 0:
		return nil, nil, noDevice("no %s matches the selection; boards present:\n%s", what, candidates(all))
	case len(out) > 1 && !s.all:
		return nil, nil, ambiguous("%d boards match; choose one with --serial or --path, or use --all:\n%s", len(out), candidates(out))
	}
	return host, out, nil
}

func candidates(bs []board) string {
	var b strings.Builder
	for _, x := range bs {
		fmt.Fprintf(&b, "  --path %s  (%s %s, serial %s, %s)\n", x.Path, x.ID, x.Mode, x.Serial, x.Product)
	}
	return strings.TrimRight(b.String(), "\n")
}
