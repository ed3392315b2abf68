// Package docs holds tests that keep the documentation true to the code.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the module root, seen from this directory.
const root = ".."

// sections returns the numbers of the "## N. Title" headings of a
// Markdown file, and the GitHub anchors of all its headings.
func headings(t *testing.T, file string) (numbers map[string]bool, anchors map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	numbers, anchors = map[string]bool{}, map[string]bool{}
	num := regexp.MustCompile(`^## (\d+)\. `)
	inFence := false
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		if m := num.FindStringSubmatch(line); m != nil {
			numbers[m[1]] = true
		}
		anchors[anchor(strings.TrimLeft(line, "# "))] = true
	}
	return numbers, anchors
}

// anchor is GitHub's anchor of a heading: lower case, spaces to hyphens,
// punctuation other than hyphens and underscores dropped.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// repoFiles returns the module's text files with one of the extensions.
func repoFiles(t *testing.T, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata" && strings.Contains(p, "fuzz")) {
			return filepath.SkipDir
		}
		for _, e := range exts {
			if !d.IsDir() && strings.HasSuffix(p, e) {
				out = append(out, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProtocolCitations: every "PROTOCOL.md section N" in the code and the
// docs names docs/PROTOCOL.md and a section it has.
func TestProtocolCitations(t *testing.T) {
	numbers, _ := headings(t, "PROTOCOL.md")
	cite := regexp.MustCompile(`(\S*)PROTOCOL\.md(?:#[\w-]+)?\)? section (\d+)`)
	n := 0
	for _, f := range repoFiles(t, ".go", ".md", ".py", ".sh", ".txtar") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cite.FindAllStringSubmatch(string(b), -1) {
			n++
			prefix, sec := m[1], m[2]
			inDocs := filepath.Dir(f) == "." || filepath.Base(filepath.Dir(f)) == "docs"
			if !strings.HasSuffix(prefix, "docs/") && !(inDocs && strings.HasSuffix(prefix, "(")) && !strings.HasSuffix(prefix, "[") {
				t.Errorf("%s: %q: cite docs/PROTOCOL.md (or link PROTOCOL.md from docs/)", f, m[0])
			}
			if !numbers[sec] {
				t.Errorf("%s: %q: docs/PROTOCOL.md has no section %s", f, m[0], sec)
			}
		}
	}
	if n < 5 {
		t.Errorf("found only %d citations of docs/PROTOCOL.md; the pattern is broken", n)
	}
}

// TestDocLinks: relative links in README.md and docs/*.md lead to files
// that exist, and their #anchors to headings those files have.
func TestDocLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	files, _ := filepath.Glob("*.md")
	files = append(files, filepath.Join(root, "README.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(target, "#")
			if path == "" {
				path = filepath.Base(f)
			}
			full := filepath.Join(filepath.Dir(f), path)
			if _, err := os.Stat(full); err != nil {
				t.Errorf("%s: link %q: %v", f, target, err)
				continue
			}
			if frag != "" && strings.HasSuffix(full, ".md") {
				if _, anchors := headings(t, full); !anchors[frag] {
					t.Errorf("%s: link %q: %s has no heading with anchor #%s", f, target, path, frag)
				}
			}
		}
	}
}
