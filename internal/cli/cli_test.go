package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/softdfu/softdfu/sim"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"softdfu": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI scripts in testdata/script against in-process
// simulated boards.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// mkapp FILE PART SIZE [PERSONA]: a raw application image with a
			// valid vector table for PART.
			"mkapp": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 3 {
					ts.Fatalf("usage: mkapp FILE PART SIZE [PERSONA]")
				}
				p := sim.Parts[args[1]]
				if p == nil {
					ts.Fatalf("unknown part %s", args[1])
				}
				n, err := strconv.Atoi(args[2])
				ts.Check(err)
				persona := ""
				if len(args) > 3 {
					persona = args[3]
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), sim.AppImage(p, persona, n), 0o644))
			},
			// code N CMD ARGS...: run CMD (like exec, keeping its stdout and
			// stderr for the next assertions) and check its exit code is N.
			"code": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 {
					ts.Fatalf("usage: code N CMD ARGS...")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("%v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit code %d, want %d", got, want)
				}
			},
			// mkfile FILE SIZE BYTE: SIZE copies of BYTE (hex).
			"mkfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 3 {
					ts.Fatalf("usage: mkfile FILE SIZE BYTE")
				}
				n, err := strconv.Atoi(args[1])
				ts.Check(err)
				var v byte
				_, err = fmt.Sscanf(args[2], "%x", &v)
				ts.Check(err)
				b := make([]byte, n)
				for i := range b {
					b[i] = v
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
			},
		},
	})
}
