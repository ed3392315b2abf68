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

// TestSimServesRealTime: softdfu sim serves in real time unless
// --sim-speed says otherwise, whatever the client (real tools must see real
// times); --speed is another name of --sim-speed.
func TestSimServesRealTime(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "in real time (--sim-speed 1)"},
		{[]string{"--sim-speed", "10"}, "at 10 times real time (--sim-speed 10)"},
		{[]string{"--sim-speed", "0"}, "with instant simulated time (--sim-speed 0)"},
		{[]string{"--speed", "0"}, "with instant simulated time (--sim-speed 0)"},
	} {
		out, err := runSim(t, append([]string{"--sim", "nucleo-f446re:dfu"}, c.args...)...)
		if err != nil {
			t.Errorf("sim %v: %v", c.args, err)
		}
		if !strings.Contains(out, c.want) {
			t.Errorf("sim %v said:\n%s\nwant %q", c.args, out, c.want)
		}
	}
	out, err := runSim(t, "--sim", "nucleo-f446re:dfu", "--sim-speed", "-1")
	if err == nil || !strings.Contains(err.Error(), "--sim-speed") {
		t.Errorf("sim --sim-speed -1: err %v, want a usage error naming --sim-speed; it said:\n%s", err, out)
	}
}

// TestSimFlagSpelling: sim takes its boards, speed and faults in the same
// flags as every other command (--sim, --sim-speed, --sim-fault), and the
// old names (--board, --speed, --fault) as other names of them.
func TestSimFlagSpelling(t *testing.T) {
	for _, args := range [][]string{
		{"--sim", "feather-f405,discovery-f407:dfu", "--sim-fault", "stall@leave"},
		{"--board", "feather-f405,discovery-f407:dfu", "--fault", "stall@leave"},
	} {
		out, err := runSim(t, args...)
		if err != nil || !strings.Contains(out, "1-1: feather-f405") || !strings.Contains(out, "1-2: discovery-f407") {
			t.Errorf("sim %v: %v; said:\n%s", args, err, out)
		}
	}
	for _, args := range [][]string{{"--sim", "nucleo-f446re", "--sim-fault", "explode@write"}, {"--board", "nucleo-f446re", "--fault", "explode@write"}} {
		if out, err := runSim(t, args...); err == nil || !strings.Contains(err.Error(), "explode") {
			t.Errorf("sim %v: %v, want the bad fault refused; said:\n%s", args, err, out)
		}
	}
	out, err := runSim(t)
	if err == nil || !strings.Contains(err.Error(), "--sim BOARD") || !strings.Contains(err.Error(), "discovery-f407") {
		t.Errorf("sim without boards: %v; said:\n%s", err, out)
	}
}
