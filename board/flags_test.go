package board

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagName is a command-line flag as front ends spell them: --address.
var flagName = regexp.MustCompile(`(^|[^-\w])--[a-z][a-z0-9-]+`)

// frontEnds are the directories whose text may name flags: the command
// lines, the web page, the tests' harnesses.
var frontEnds = []string{"internal", "cmd", "web", "test"}

// otherTools are literals that name another program's flags, not ours.
var otherTools = []string{"udevadm", "--reload-rules"}

// TestNoFlagsInLibraryText: library errors and notes say what is wrong and
// what to do in library terms; only front ends name flags. It reads every
// string literal of the module's non-test library files.
func TestNoFlagsInLibraryText(t *testing.T) {
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			for _, f := range frontEnds {
				if rel == f {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		checkFile(t, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func checkFile(t *testing.T, path string) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil || !flagName.MatchString(s) {
			return true
		}
		for _, o := range otherTools {
			if strings.Contains(s, o) {
				return true
			}
		}
		t.Errorf("%s: library text names a command-line flag: %q (say it in library terms; the front end adds its flags)", fset.Position(lit.Pos()), s)
		return true
	})
}
