package cli

import (
	"encoding/json"
	"fmt"
	"sync"
)

// event is one JSON Lines record of a long command (--json). Every event
// names its kind in "event" and the board it concerns.
type event struct {
	Event   string         `json:"event"` // phase, progress, plan, result, error, log
	Board   string         `json:"board,omitempty"`
	Phase   string         `json:"phase,omitempty"`
	Done    int            `json:"done,omitempty"`
	Total   int            `json:"total,omitempty"`
	Message string         `json:"message,omitempty"`
	OK      *bool          `json:"ok,omitempty"`
	Error   *eventError    `json:"error,omitempty"`
	Data    map[string]any `json:"data,omitempty"`
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

// say prints a line for people: on stdout normally, on stderr with --json
// so that stdout stays machine-readable.
func (e *env) say(format string, a ...any) {
	w := e.stdout
	if e.json {
		w = e.stderr
	}
	emitMu.Lock()
	defer emitMu.Unlock()
	fmt.Fprintf(w, format+"\n", a...)
}

func ptr[T any](v T) *T { return &v }
