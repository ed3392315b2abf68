package cli

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports: the command line keeps flags, wording and rendering; the
// protocol is the board layer's (no dfu), and the simulator is wired in
// one file (hosts.go).
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := filepath.Glob("*/*.go")
	for _, path := range append(files, sub...) {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == "github.com/softdfu/softdfu/dfu":
				t.Errorf("%s imports dfu: go through package board", path)
			case strings.HasPrefix(p, "github.com/softdfu/softdfu/sim") && path != "hosts.go":
				t.Errorf("%s imports %s: the simulator is wired in hosts.go only", path, p)
			}
		}
	}
}
