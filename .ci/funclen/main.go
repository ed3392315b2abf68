// Command funclen lists the non-test Go functions (function literals
// included) longer than a limit, and exits 1 when there is one: CI keeps
// every function short enough to read at once.
//
//	go run ./.ci/funclen [-max 80] [DIR]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	limit := flag.Int("max", 80, "the longest a function may be, in lines from its signature to its closing brace")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	long, err := longFunctions(root, *limit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "funclen:", err)
		os.Exit(2)
	}
	for _, l := range long {
		fmt.Println(l)
	}
	if len(long) > 0 {
		fmt.Fprintf(os.Stderr, "funclen: %d function(s) longer than %d lines: split them into named steps\n", len(long), *limit)
		os.Exit(1)
	}
}

// longFunctions walks root and describes every function over limit lines.
func longFunctions(root string, limit int) ([]string, error) {
	fset := token.NewFileSet()
	var long []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		long = append(long, inFile(fset, f, p, limit)...)
		return nil
	})
	return long, err
}

// inFile describes the functions of one file that are over limit lines.
func inFile(fset *token.FileSet, f *ast.File, path string, limit int) []string {
	var long []string
	ast.Inspect(f, func(n ast.Node) bool {
		name, body := "function literal", (*ast.BlockStmt)(nil)
		switch x := n.(type) {
		case *ast.FuncDecl:
			name, body = x.Name.Name, x.Body
		case *ast.FuncLit:
			body = x.Body
		}
		if body == nil {
			return true
		}
		start := fset.Position(n.Pos()).Line
		if lines := fset.Position(body.Rbrace).Line - start + 1; lines > limit {
			long = append(long, fmt.Sprintf("%s:%d: %s is %d lines", path, start, name, lines))
		}
		return true
	})
	return long
}
