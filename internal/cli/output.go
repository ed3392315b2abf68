package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

// event is one JSON Lines record of a long command (--json). Every event
// names its kind in "event" and the board it concerns ("board" is the USB
// port path; it is empty only for an error that concerns no board).
//
// Kinds: "phase" (a step starts: survey, plan, erase, write, verify, leave,
// wait-app, read, mass-erase, ...), "progress" (done of total, in "unit":
// bytes or sectors; rate-limited to every 10 % of a phase), "note" (a
// remark for people), "result" (one per board: "ok", "error", "data") and
// "error" (the command failed before or outside any board).
type event struct {
	Event   string      `json:"event"`
	Board   string      `json:"board,omitempty"`
	Phase   string      `json:"phase,omitempty"`
	Done    *int        `json:"done,omitempty"`
	Total   *int        `json:"total,omitempty"`
	Unit    string      `json:"unit,omitempty"`
	Message string      `json:"message,omitempty"`
	OK      *bool       `json:"ok,omitempty"`
	Error   *eventError `json:"error,omitempty"`
	Data    any         `json:"data,omitempty"`
}

type eventError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var emitMu sync.Mutex

// emit writes an event as one JSON line on stdout (only with --json).
func (e *env) emit(ev event) {
	if !e.json {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"error","error":{"code":"failure","message":%q}}`, err.Error()))
	}
	emitMu.Lock()
	defer emitMu.Unlock()
	e.stdout.Write(append(b, '\n'))
}

// document writes one JSON document on stdout (list, info, version).
func (e *env) document(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(append(b, '\n'))
	return err
}

// lines writes lines for people on stdout (info, option-bytes).
func (e *env) lines(lines []string) error {
	_, err := io.WriteString(e.stdout, strings.Join(lines, "\n")+"\n")
	return err
}

// say prints a line for people: on stdout normally, on stderr with --json
// so that stdout stays machine-readable. While progress bars are drawn on
// the same terminal, the line goes above the bars.
func (e *env) say(format string, a ...any) {
	w := e.stdout
	if e.json {
		w = e.stderr
	}
	line := fmt.Sprintf(format+"\n", a...)
	if e.prog.Above(w, line) {
		return
	}
	emitMu.Lock()
	defer emitMu.Unlock()
	io.WriteString(w, line)
}

// warn prints a warning for people on stderr.
func (e *env) warn(format string, a ...any) {
	line := fmt.Sprintf("warning: "+format+"\n", a...)
	if e.prog.Above(e.stderr, line) {
		return
	}
	emitMu.Lock()
	defer emitMu.Unlock()
	io.WriteString(e.stderr, line)
}

func ptr[T any](v T) *T { return &v }

// result emits the result event of a board (with --json): ok, or the error
// with its stable code.
func (e *env) result(path string, err error, data any) {
	ev := event{Event: "result", Board: path, OK: ptr(err == nil), Data: data}
	if err != nil {
		_, code := classify(err)
		ev.Error = &eventError{Code: code, Message: err.Error()}
	}
	e.emit(ev)
}
