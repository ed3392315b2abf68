package dfuutil

import (
	"fmt"
	"strings"
)

// option is one entry of dfu-util's long option table.
type option struct {
	name   string
	hasArg bool
	short  byte
}

// shortOpts is dfu-util 0.11's short option string (getopt syntax: a letter
// followed by ':' takes an argument).
const shortOpts = "hVvleE:d:p:c:i:a:S:t:U:D:Rs:Z:wn:"

// longOpts is dfu-util 0.11's long option table, in its order (which the
// "is ambiguous" message follows). Its --wait takes an argument although -w
// does not: dfu-util 0.11 behaves that way, so "--wait -l" swallows -l.
var longOpts = []option{
	{"help", false, 'h'}, {"version", false, 'V'}, {"verbose", false, 'v'},
	{"list", false, 'l'}, {"detach", false, 'e'}, {"detach-delay", true, 'E'},
	{"device", true, 'd'}, {"path", true, 'p'}, {"configuration", true, 'c'},
	{"cfg", true, 'c'}, {"interface", true, 'i'}, {"intf", true, 'i'},
	{"altsetting", true, 'a'}, {"alt", true, 'a'}, {"serial", true, 'S'},
	{"transfer-size", true, 't'}, {"upload", true, 'U'}, {"upload-size", true, 'Z'},
	{"download", true, 'D'}, {"reset", false, 'R'}, {"dfuse-address", true, 's'},
	{"devnum", true, 'n'}, {"wait", true, 'w'},
}

// optEvent is one option getopt found, with its argument.
type optEvent struct {
	c   byte
	arg string
}

// getoptError is a message in GNU getopt's words ("invalid option -- 'x'").
type getoptError struct{ msg string }

func (e *getoptError) Error() string { return e.msg }

// getopt scans args as GNU getopt_long does with dfu-util's tables:
// options and non-options may mix (non-options are collected), "--" ends
// the options, short options cluster ("-vl", "-a0"), long options take
// "=ARG" or the next argument and may be abbreviated to a unique prefix.
// visit is called for each option in order; it stops the scan by returning
// false (as -h does). The first error ends the scan.
func getopt(args []string, visit func(optEvent) bool) (rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(rest, args[i+1:]...), nil
		case strings.HasPrefix(a, "--"):
			ev, used, err := longOption(a[2:], args[i+1:])
			if err != nil {
				return rest, err
			}
			i += used
			if !visit(ev) {
				return rest, nil
			}
		case len(a) > 1 && a[0] == '-':
			evs, used, err := shortCluster(a[1:], args[i+1:])
			for _, ev := range evs {
				if !visit(ev) {
					return rest, nil
				}
			}
			if err != nil {
				return rest, err
			}
			i += used
		default:
			rest = append(rest, a)
		}
	}
	return rest, nil
}

// shortCluster reads the options of one "-xyz" word; used counts the
// following arguments consumed. Options before an error are returned too.
func shortCluster(s string, next []string) (evs []optEvent, used int, err error) {
	for j := 0; j < len(s); j++ {
		c := s[j]
		k := strings.IndexByte(shortOpts, c)
		if k < 0 || c == ':' {
			return evs, 0, &getoptError{fmt.Sprintf("invalid option -- '%c'", c)}
		}
		if k+1 < len(shortOpts) && shortOpts[k+1] == ':' {
			if j+1 < len(s) {
				return append(evs, optEvent{c, s[j+1:]}), 0, nil
			}
			if len(next) == 0 {
				return evs, 0, &getoptError{fmt.Sprintf("option requires an argument -- '%c'", c)}
			}
			return append(evs, optEvent{c, next[0]}), 1, nil
		}
		evs = append(evs, optEvent{c: c})
	}
	return evs, 0, nil
}

// longOption reads one "--name[=arg]" word (without its dashes).
func longOption(s string, next []string) (optEvent, int, error) {
	name, arg, hasEq := strings.Cut(s, "=")
	o, err := findLong(name)
	if err != nil {
		return optEvent{}, 0, err
	}
	switch {
	case !o.hasArg && hasEq:
		return optEvent{}, 0, &getoptError{fmt.Sprintf("option '--%s' doesn't allow an argument", o.name)}
	case !o.hasArg:
		return optEvent{c: o.short}, 0, nil
	case hasEq:
		return optEvent{o.short, arg}, 0, nil
	case len(next) == 0:
		return optEvent{}, 0, &getoptError{fmt.Sprintf("option '--%s' requires an argument", o.name)}
	}
	return optEvent{o.short, next[0]}, 1, nil
}

// findLong finds a long option by its name or a prefix of it. A prefix
// shared by options that differ (in letter or argument) is ambiguous, as
// glibc decides it.
func findLong(name string) (option, error) {
	var found *option
	var ambig []string
	for i := range longOpts {
		o := &longOpts[i]
		if o.name == name {
			return *o, nil
		}
		if !strings.HasPrefix(o.name, name) {
			continue
		}
		if found == nil {
			found = o
			continue
		}
		if found.hasArg != o.hasArg || found.short != o.short {
			if len(ambig) == 0 {
				ambig = append(ambig, "'--"+found.name+"'")
			}
			ambig = append(ambig, "'--"+o.name+"'")
		}
	}
	switch {
	case found == nil:
		return option{}, &getoptError{fmt.Sprintf("unrecognized option '--%s'", name)}
	case len(ambig) > 0:
		return option{}, &getoptError{fmt.Sprintf("option '--%s' is ambiguous; possibilities: %s", name, strings.Join(ambig, " "))}
	}
	return *found, nil
}
