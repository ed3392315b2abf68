package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/softdfu/softdfu/sim/mcu"
	"github.com/softdfu/softdfu/target/stm32f4"
)

// The Python REPL of the CircuitPython-like and MicroPython-like personas:
// line editing, Ctrl-C, Ctrl-D (soft reboot), the raw REPL exactly as
// mpremote drives it (tools/mpremote/mpremote/transport_serial.py in
// micropython/micropython: "\r\x03", then "\r\x01" and
// "raw REPL; CTRL-B to exit\r\n>"; code then "\x04" answered by "OK",
// output, "\x04", error text, "\x04"; raw-paste "\x05A\x01" answered with
// "R\x00" = understood, not supported; "\r\x02" back to the friendly REPL),
// and a tiny interpreter that knows imports, attribute look-ups, calls,
// print and literals, with errors in each firmware's wording.

// Control characters.
const (
	ctrlA = 0x01
	ctrlB = 0x02
	ctrlC = 0x03
	ctrlD = 0x04
	ctrlE = 0x05
)

// replMode is where the REPL's input goes.
type replMode int

const (
	modeRunning  replMode = iota // code.py runs (CircuitPython after boot)
	modeWaiting                  // "Press any key to enter the REPL"
	modeFriendly                 // >>> prompt
	modeRaw                      // raw REPL
)

// repl is the console of a Python persona.
type repl struct {
	circuit bool   // CircuitPython wording and behaviour, else MicroPython
	banner  string // first line of the banner
	mode    replMode
	line    []byte
	raw     []byte
	paste   []byte // a partial raw-paste request
	names   map[string]bool
}

// Board names as the firmware prints them in its banner.
var bannerBoards = map[string][2]string{ // CircuitPython, MicroPython
	"feather-f405":   {"Adafruit Feather STM32F405 Express", "Adafruit Feather STM32F405"},
	"nucleo-f446re":  {"NUCLEO STM32F446RE", "NUCLEO-F446RE"},
	"discovery-f407": {"STM32F4_DISCO", "F4DISC"},
	"blackpill-f411": {"STM32F411CE Black Pill", "WeAct Studio Black Pill"},
	"blackpill-f401": {"STM32F401CC Black Pill", "WeAct Studio Black Pill"},
	"discovery-f429": {"STM32F429I-DISCO", "F429DISC"},
}

func bannerBoard(b *Board, i int) string {
	if n, ok := bannerBoards[b.model.Name]; ok {
		return n[i]
	}
	return b.model.Name
}

func newCircuitPython(b *Board) console {
	return &repl{circuit: true, mode: modeRunning, names: map[string]bool{},
		banner: fmt.Sprintf("Adafruit CircuitPython 9.2.1 on 2024-11-20; %s with %s", bannerBoard(b, 0), b.part.Name)}
}

func newMicroPython(b *Board) console {
	return &repl{mode: modeFriendly, names: map[string]bool{},
		banner: fmt.Sprintf("MicroPython v1.24.1 on 2024-11-29; %s with %s", bannerBoard(b, 1), b.part.Name)}
}

// start is what the firmware prints at boot: CircuitPython runs code.py,
// a loop that never ends; MicroPython waits at its prompt.
func (r *repl) start() []byte {
	if r.circuit {
		return []byte("Auto-reload is on. Simply save files over USB to run them or enter REPL to disable.\r\ncode.py output:\r\nHello World!\r\n")
	}
	return nil
}

func (r *repl) friendlyBanner() string {
	if r.circuit {
		return r.banner + "\r\n>>> "
	}
	return r.banner + "\r\nType \"help()\" for more information.\r\n>>> "
}

// softReboot restarts the interpreter (Ctrl-D): imports are forgotten.
func (r *repl) softReboot() string {
	clear(r.names)
	r.line, r.raw = nil, nil
	if r.circuit {
		r.mode = modeRunning
		return "\r\nsoft reboot\r\n\r\n" + string(r.start())
	}
	if r.mode == modeRaw {
		return "\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>"
	}
	return "\r\nMPY: soft reboot\r\n" + r.friendlyBanner()
}

func (r *repl) input(in []byte) ([]byte, []action) {
	var out strings.Builder
	var acts []action
	for _, c := range in {
		var stop bool
		switch r.mode {
		case modeRunning:
			if c == ctrlC {
				out.WriteString("\r\nTraceback (most recent call last):\r\n  File \"code.py\", line 7, in <module>\r\nKeyboardInterrupt: \r\n\r\nCode done running.\r\n\r\nPress any key to enter the REPL. Use CTRL-D to reload.\r\n")
				r.mode = modeWaiting
			}
		case modeWaiting:
			if c == ctrlD {
				out.WriteString(r.softReboot())
				continue
			}
			r.mode = modeFriendly
			out.WriteString("\r\n" + r.friendlyBanner())
		case modeFriendly:
			var o string
			var a []action
			o, a, stop = r.friendlyByte(c)
			out.WriteString(o)
			acts = append(acts, a...)
		case modeRaw:
			if r.paste != nil || (c == ctrlE && len(r.raw) == 0) {
				r.paste = append(r.paste, c)
				if len(r.paste) == 3 {
					if string(r.paste) == "\x05A\x01" {
						out.WriteString("R\x00")
					}
					r.paste = nil
				}
				continue
			}
			var o string
			var a []action
			o, a, stop = r.rawByte(c)
			out.WriteString(o)
			acts = append(acts, a...)
		}
		if stop {
			break // the chip resets: later bytes are lost
		}
	}
	return []byte(out.String()), acts
}

func (r *repl) friendlyByte(c byte) (string, []action, bool) {
	switch c {
	case ctrlA:
		r.mode, r.raw, r.line = modeRaw, nil, nil
		return "\r\nraw REPL; CTRL-B to exit\r\n>", nil, false
	case ctrlB:
		r.line = nil
		return "\r\n" + r.friendlyBanner(), nil, false
	case ctrlC:
		r.line = nil
		return "\r\n>>> ", nil, false
	case ctrlD:
		if len(r.line) == 0 {
			return r.softReboot(), nil, false
		}
		return "", nil, false
	case '\r':
		line := string(r.line)
		r.line = nil
		res := r.exec(line)
		out := "\r\n" + res.out + res.err
		if res.reset {
			return out, res.acts, true
		}
		return out + ">>> ", res.acts, false
	case '\n':
		return "", nil, false
	case 0x08, 0x7F:
		if len(r.line) > 0 {
			r.line = r.line[:len(r.line)-1]
			return "\b \b", nil, false
		}
		return "", nil, false
	}
	if c < 0x20 {
		return "", nil, false
	}
	r.line = append(r.line, c)
	return string(c), nil, false
}

func (r *repl) rawByte(c byte) (string, []action, bool) {
	switch c {
	case ctrlA:
		return "", nil, false
	case ctrlB:
		r.mode, r.raw = modeFriendly, nil
		return "\r\n" + r.friendlyBanner(), nil, false
	case ctrlC:
		r.raw = nil
		return "", nil, false
	case ctrlD:
		if len(r.raw) == 0 {
			return r.softReboot(), nil, false
		}
		code := string(r.raw)
		r.raw = nil
		res := r.exec(code)
		if res.reset {
			return "OK" + res.out, res.acts, true
		}
		return "OK" + res.out + "\x04" + res.err + "\x04>", res.acts, false
	}
	r.raw = append(r.raw, c)
	return "", nil, false
}

// result is what running some code did.
type result struct {
	out, err string
	acts     []action
	reset    bool // the last action resets or leaves the application
}

// value is a Python object of the tiny interpreter.
type value struct {
	kind  string // module, class, member, func, int, str, none
	name  string // qualified name
	fn    func(args []value) (string, []action, bool, *pyError)
	arity int
}

type pyError struct{ typ, msg string }

// exec runs lines of code: each line may hold statements separated by ';'.
func (r *repl) exec(code string) result {
	var res result
	lines := strings.Split(strings.ReplaceAll(code, "\r\n", "\n"), "\n")
	for n, line := range lines {
		for _, stmt := range strings.Split(line, ";") {
			stmt = strings.TrimSpace(stmt)
			if stmt == "" {
				continue
			}
			out, acts, reset, perr := r.statement(stmt)
			res.out += out
			res.acts = append(res.acts, acts...)
			if perr != nil {
				res.err = r.traceback(n+1, perr)
				return res
			}
			if reset {
				res.reset = true
				return res
			}
		}
	}
	return res
}

func (r *repl) traceback(line int, e *pyError) string {
	if e.typ == "SyntaxError" {
		return fmt.Sprintf("Traceback (most recent call last):\r\n  File \"<stdin>\", line %d\r\n%s: %s\r\n", line, e.typ, e.msg)
	}
	return fmt.Sprintf("Traceback (most recent call last):\r\n  File \"<stdin>\", line %d, in <module>\r\n%s: %s\r\n", line, e.typ, e.msg)
}

func (r *repl) statement(s string) (string, []action, bool, *pyError) {
	if rest, ok := strings.CutPrefix(s, "import "); ok {
		for _, m := range strings.Split(rest, ",") {
			m = strings.TrimSpace(m)
			if !isIdent(m) {
				return "", nil, false, &pyError{"SyntaxError", "invalid syntax"}
			}
			if r.module(m) == nil {
				return "", nil, false, &pyError{"ImportError", fmt.Sprintf("no module named '%s'", m)}
			}
			r.names[m] = true
		}
		return "", nil, false, nil
	}
	p := &parser{s: s, r: r}
	v, out, acts, reset, perr := p.expr()
	if perr == nil && p.i != len(p.s) {
		perr = &pyError{"SyntaxError", "invalid syntax"}
	}
	if perr != nil || reset {
		return out, acts, reset, perr
	}
	if v.kind != "none" {
		out += v.repr() + "\r\n"
	}
	return out, acts, false, nil
}

func (v value) repr() string {
	switch v.kind {
	case "module":
		return fmt.Sprintf("<module '%s'>", v.name)
	case "class":
		return fmt.Sprintf("<class '%s'>", v.name[strings.LastIndex(v.name, ".")+1:])
	case "func":
		return fmt.Sprintf("<function %s>", v.name[strings.LastIndex(v.name, ".")+1:])
	case "str":
		return "'" + v.name + "'"
	}
	return v.name
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// parser evaluates one expression: atom ('.' name | '(' args ')')*.
type parser struct {
	s string
	i int
	r *repl
}

func (p *parser) skip() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *parser) ident() string {
	p.skip()
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z' || j > p.i && p.s[j] >= '0' && p.s[j] <= '9') {
		j++
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

var errSyntax = &pyError{"SyntaxError", "invalid syntax"}

// expr evaluates one expression: an atom followed by attribute look-ups
// and calls; out and acts collect what the calls printed and did.
func (p *parser) expr() (v value, out string, acts []action, reset bool, perr *pyError) {
	v, perr = p.atom()
	if perr != nil {
		return v, "", nil, false, perr
	}
	for {
		p.skip()
		if p.i >= len(p.s) {
			return v, out, acts, false, nil
		}
		switch p.s[p.i] {
		case '.':
			p.i++
			attr := p.ident()
			if attr == "" {
				return v, out, acts, false, errSyntax
			}
			nv, ok := p.r.attr(v, attr)
			if !ok {
				return v, out, acts, false, p.r.attrError(v, attr)
			}
			v = nv
		case '(':
			p.i++
			o, ac, rs, e := p.call(v)
			out += o
			acts = append(acts, ac...)
			if e != nil || rs {
				return v, out, acts, rs, e
			}
			v = value{kind: "none", name: "None"}
		default:
			return v, out, acts, false, nil // the caller checks what follows
		}
	}
}

// atom reads a string or integer literal, print, None or a module name.
func (p *parser) atom() (value, *pyError) {
	p.skip()
	if p.i >= len(p.s) {
		return value{}, errSyntax
	}
	switch c := p.s[p.i]; {
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.s[p.i+1:], c)
		if end < 0 {
			return value{}, errSyntax
		}
		v := value{kind: "str", name: p.s[p.i+1 : p.i+1+end]}
		p.i += end + 2
		return v, nil
	case c >= '0' && c <= '9' || c == '-':
		j := p.i + 1
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return value{}, errSyntax
		}
		p.i = j
		return value{kind: "int", name: strconv.Itoa(n)}, nil
	}
	id := p.ident()
	switch {
	case id == "":
		return value{}, errSyntax
	case id == "print":
		return value{kind: "func", name: "print", arity: -1, fn: pyPrint}, nil
	case id == "None":
		return value{kind: "none", name: "None"}, nil
	case p.r.names[id]:
		return *p.r.module(id), nil
	}
	return value{}, p.r.nameError(id)
}

// pyPrint is Python's print: strings as they are, other values by repr.
func pyPrint(args []value) (string, []action, bool, *pyError) {
	var parts []string
	for _, a := range args {
		if a.kind == "str" {
			parts = append(parts, a.name)
		} else {
			parts = append(parts, a.repr())
		}
	}
	return strings.Join(parts, " ") + "\r\n", nil, false, nil
}

// call reads the arguments after '(' and calls fn with them.
func (p *parser) call(fn value) (out string, acts []action, reset bool, perr *pyError) {
	var args []value
	p.skip()
	for p.i < len(p.s) && p.s[p.i] != ')' {
		a, o, ac, rs, e := p.expr()
		out += o
		acts = append(acts, ac...)
		if e != nil || rs {
			return out, acts, rs, e
		}
		args = append(args, a)
		p.skip()
		switch {
		case p.i < len(p.s) && p.s[p.i] == ',':
			p.i++
			p.skip()
		case p.i < len(p.s) && p.s[p.i] != ')':
			return out, acts, false, errSyntax
		}
	}
	if p.i >= len(p.s) {
		return out, acts, false, errSyntax
	}
	p.i++
	if fn.kind != "func" {
		return out, acts, false, &pyError{"TypeError", fmt.Sprintf("'%s' object isn't callable", fn.kind)}
	}
	if fn.arity >= 0 && len(args) != fn.arity {
		return out, acts, false, &pyError{"TypeError", fmt.Sprintf("function takes %d positional arguments but %d were given", fn.arity, len(args))}
	}
	o, ac, rs, e := fn.fn(args)
	return out + o, append(acts, ac...), rs, e
}

func (r *repl) nameError(id string) *pyError {
	if r.circuit {
		return &pyError{"NameError", fmt.Sprintf("name '%s' is not defined", id)}
	}
	return &pyError{"NameError", fmt.Sprintf("name '%s' isn't defined", id)}
}

func (r *repl) attrError(v value, attr string) *pyError {
	if v.kind == "class" {
		return &pyError{"AttributeError", fmt.Sprintf("type object '%s' has no attribute '%s'", v.name[strings.LastIndex(v.name, ".")+1:], attr)}
	}
	return &pyError{"AttributeError", fmt.Sprintf("'%s' object has no attribute '%s'", v.kind, attr)}
}

// module returns an importable module of this firmware, or nil.
func (r *repl) module(name string) *value {
	ok := map[string]bool{"time": true, "sys": true}
	if r.circuit {
		ok["microcontroller"], ok["board"], ok["supervisor"] = true, true, true
	} else {
		ok["machine"], ok["pyb"], ok["micropython"] = true, true, true
	}
	if !ok[name] {
		return nil
	}
	return &value{kind: "module", name: name}
}

var runModes = map[string]stm32f4.RunMode{"NORMAL": stm32f4.Normal, "SAFE_MODE": stm32f4.SafeMode, "UF2": stm32f4.UF2, "BOOTLOADER": stm32f4.Bootloader}

func fn(name string, arity int, f func(args []value) (string, []action, bool, *pyError)) value {
	return value{kind: "func", name: name, arity: arity, fn: f}
}

func resetting(a action) (string, []action, bool, *pyError) { return "", []action{a}, true, nil }

func sleeping(d time.Duration) []action {
	return []action{func(_ *stm32f4.Device, c *mcu.Chip) { c.Advance(d) }}
}

func intArg(v value) (int, *pyError) {
	n, err := strconv.Atoi(v.name)
	if v.kind != "int" || err != nil {
		return 0, &pyError{"TypeError", "can't convert " + v.kind + " to int"}
	}
	return n, nil
}

// attr looks up an attribute of a module or class.
func (r *repl) attr(v value, a string) (value, bool) {
	q := v.name + "." + a
	switch q {
	case "microcontroller.RunMode":
		return value{kind: "class", name: q}, true
	case "microcontroller.on_next_reset":
		return fn(q, 1, func(args []value) (string, []action, bool, *pyError) {
			m, ok := runModes[strings.TrimPrefix(args[0].name, "microcontroller.RunMode.")]
			if args[0].kind != "member" || !ok {
				return "", nil, false, &pyError{"TypeError", "mode must be of type RunMode, not " + args[0].kind}
			}
			return "", []action{func(fw *stm32f4.Device, _ *mcu.Chip) { _ = fw.OnNextReset(m) }}, false, nil
		}), true
	case "microcontroller.reset", "machine.reset":
		return fn(q, 0, func([]value) (string, []action, bool, *pyError) {
			return resetting(func(fw *stm32f4.Device, _ *mcu.Chip) { fw.Reset() })
		}), true
	case "machine.bootloader", "pyb.bootloader":
		// MicroPython's stm32 port: flag, reset, ROM from early start-up.
		return fn(q, -1, func([]value) (string, []action, bool, *pyError) { return resetting(enterBootloader) }), true
	case "microcontroller._enter_bootloader_direct", "machine._enter_bootloader_direct":
		// Hidden: the seed's direct jump, kept for comparison.
		return fn(q, 0, func([]value) (string, []action, bool, *pyError) { return resetting(enterDirect) }), true
	case "machine.soft_reset", "supervisor.reload":
		return fn(q, 0, func([]value) (string, []action, bool, *pyError) {
			return r.softReboot(), nil, false, nil
		}), true
	case "time.sleep":
		return fn(q, 1, func(args []value) (string, []action, bool, *pyError) {
			n, e := intArg(args[0])
			return "", sleeping(time.Duration(n) * time.Second), false, e
		}), true
	case "time.sleep_ms":
		return fn(q, 1, func(args []value) (string, []action, bool, *pyError) {
			n, e := intArg(args[0])
			return "", sleeping(time.Duration(n) * time.Millisecond), false, e
		}), true
	case "sys.platform":
		return value{kind: "str", name: "pyboard"}, true
	}
	if v.name == "microcontroller.RunMode" {
		if _, ok := runModes[a]; ok {
			return value{kind: "member", name: q}, true
		}
	}
	return value{}, false
}

// serialSketch is an Arduino sketch's serial port: it prints a line for
// every line it gets and otherwise ignores input.
type serialSketch struct{ line []byte }

func newSerialSketch(*Board) console { return &serialSketch{} }

func (s *serialSketch) start() []byte { return []byte("sketch running\r\n") }

func (s *serialSketch) input(in []byte) ([]byte, []action) {
	var out []byte
	for _, c := range in {
		if c == '\r' || c == '\n' {
			if len(s.line) > 0 {
				out = append(out, "got: "+string(s.line)+"\r\n"...)
				s.line = nil
			}
			continue
		}
		s.line = append(s.line, c)
	}
	return out, nil
}
