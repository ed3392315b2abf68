package cli

import (
	"fmt"
	"os"
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
