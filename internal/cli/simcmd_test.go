package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a running command writes while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runSim runs softdfu sim with args until it says it is serving, stops it
// and returns what it printed and its error.
func runSim(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}
	root := e.rootCommand()
	root.SetArgs(append([]string{"sim", "--listen", "127.0.0.1:0"}, args...))
	root.SetOut(&out)
	root.SetErr(&errOut)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	deadline := time.Now().Add(20 * time.Second) // a bound for a stuck command, not a timing check
	for !strings.Contains(out.String(), "serving") {
		select {
		case err := <-done:
			return out.String() + errOut.String(), err
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("softdfu sim %v did not start serving; it said:\n%s%s", args, out.String(), errOut.String())
		}
	}
	cancel()
	err := <-done
	return out.String() + errOut.String(), err
}

// TestSimServesRealTime: softdfu sim serves in real time unless --speed
// says otherwise, whatever the client (real tools must see real times).
func TestSimServesRealTime(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "in real time (--speed 1)"},
		{[]string{"--speed", "10"}, "at 10 times real time (--speed 10)"},
		{[]string{"--speed", "0"}, "with instant simulated time (--speed 0)"},
	} {
		out, err := runSim(t, append([]string{"--board", "nucleo-f446re:dfu"}, c.args...)...)
		if err != nil {
			t.Errorf("sim %v: %v", c.args, err)
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("sim %v said:\n%s\nwant %q", c.args, out, c.want)
		}
	}
	for _, args := range [][]string{{"--speed", "-1"}, {"--sim-speed", "0"}} {
		out, err := runSim(t, append([]string{"--board", "nucleo-f446re:dfu"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "--speed") {
			t.Errorf("sim %v: err %v, want a usage error naming --speed; it said:\n%s", args, err, out)
		}
	}
}
