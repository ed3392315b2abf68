package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/sim"
)

// jsonDoc returns the words docs/CLI.md puts in backticks from its JSON
// section on (events, result data, exit and error codes).
func jsonDoc(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "CLI.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "### JSON events")
	if start < 0 {
		t.Fatal("docs/CLI.md has no \"### JSON events\" section")
	}
	words := map[string]bool{}
	for _, m := range regexp.MustCompile("`\"?([a-z0-9_-]+)\"?`").FindAllStringSubmatch(s[start:], -1) {
		words[m[1]] = true
	}
	return words
}

// collect adds what JSON Lines output emits: event kinds, phases, units,
// error codes and the keys of result data (nested objects too).
func collect(t *testing.T, out []byte, seen map[string]string) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<22)
	started := map[string]bool{} // board + phase
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		kind, _ := ev["event"].(string)
		key := fmt.Sprint(ev["board"], " ", ev["phase"])
		switch kind {
		case "phase":
			started[key] = true
		case "progress":
			if !started[key] {
				t.Errorf("progress of phase %v on board %v without a phase event first", ev["phase"], ev["board"])
				started[key] = true
			}
		}
		seen[kind] = "event kind"
		for k, v := range ev {
			seen[k] = "key of a " + kind + " event"
			if s, ok := v.(string); ok && (k == "phase" || k == "unit") {
				seen[s] = k + " of a " + kind + " event"
			}
		}
		if e, ok := ev["error"].(map[string]any); ok {
			seen[e["code"].(string)] = "error code"
			for k := range e {
				seen[k] = "key of an error"
			}
		}
		if d, ok := ev["data"].(map[string]any); ok {
			keys(d, "result data", seen)
		}
	}
}

func keys(v any, where string, seen map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			seen[k] = "key of " + where
			keys(x, where+"."+k, seen)
		}
	case []any:
		for _, x := range v {
			keys(x, where, seen)
		}
	}
}

// TestJSONEventsDocumented runs the long commands with --json on simulated
// boards and checks that every event kind, phase, unit, error code and
// result key they emit is named in docs/CLI.md's JSON section.
func TestJSONEventsDocumented(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app.bin")
	if err := os.WriteFile(app, sim.AppImage(sim.Parts["STM32F446RE"], "micropython", 40000), 0o644); err != nil {
		t.Fatal(err)
	}
	runs := [][]string{
		{"flash", "--sim", "nucleo-f446re:dfu", app},
		{"flash", "--sim", "nucleo-f446re", app}, // entered from software
		{"flash", "--sim", "nucleo-f446re:dfu", "--dry-run", app},
		{"flash", "--sim", "nucleo-f446re:dfu", "--sim-fault", "busy-forever@leave", app},
		{"flash", "--sim", "nucleo-f446re:dfu", "--sim-fault", "disconnect@write:2", app},
		{"flash", "--sim", "nucleo-f446re:dfu", filepath.Join(dir, "missing.bin")},
		{"verify", "--sim", "nucleo-f446re:dfu", app},
		{"read", "--sim", "nucleo-f446re:dfu", "--length", "4096", filepath.Join(dir, "back.bin")},
		{"erase", "--sim", "nucleo-f446re:dfu", "--sector", "1"},
		{"erase", "--sim", "nucleo-f446re:dfu", "--mass"},
		{"option-bytes", "--sim", "nucleo-f446re:dfu"},
		{"enter", "--sim", "nucleo-f446re"},
		{"leave", "--sim", "nucleo-f446re:dfu"},
	}
	seen := map[string]string{}
	for _, args := range runs {
		var out, errOut bytes.Buffer
		Main(append([]string{"--json"}, args...), strings.NewReader(""), &out, &errOut)
		collect(t, out.Bytes(), seen)
	}
	doc := jsonDoc(t)
	var missing []string
	for w, where := range seen {
		if !doc[w] {
			missing = append(missing, w+" ("+where+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/CLI.md's JSON section does not name what the commands emit:\n  %s", strings.Join(missing, "\n  "))
	}
	for k := board.Failure; k <= board.Busy; k++ {
		if !doc[k.Code()] {
			t.Errorf("docs/CLI.md does not name the JSON error code %q", k.Code())
		}
	}
	for _, must := range []string{"phase", "progress", "note", "result", "error", "erase", "write", "verify"} {
		if seen[must] == "" {
			t.Errorf("no run emitted %q: the test's runs no longer cover it", must)
		}
	}
}
