package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestCLIDocMatchesHelp: docs/CLI.md's command table has a row for every
// command the help lists and none for a command it does not, every alias
// it names is one, and every --flag it mentions is a flag of the command
// its row is about (or a global one; outside the table: of some command).
func TestCLIDocMatchesHelp(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "CLI.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	root := (&env{}).rootCommand()
	cmds := map[string]*cobra.Command{}
	for _, c := range root.Commands() {
		if c.Name() != "help" && !c.Hidden {
			cmds[c.Name()] = c
		}
	}
	flagsOf := func(c *cobra.Command) map[string]bool {
		m := map[string]bool{"help": true}
		add := func(fs *pflag.FlagSet) { fs.VisitAll(func(f *pflag.Flag) { m[f.Name] = true }) }
		add(c.Flags())
		add(c.InheritedFlags())
		add(root.PersistentFlags())
		for _, sub := range c.Commands() {
			add(sub.Flags())
		}
		return m
	}
	row := regexp.MustCompile("^\\| `(?:help )?([a-z-]+)[^|]*?`( \\(alias `([a-z-]+)`\\))? \\|(.*)$")
	flag := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	rows := map[string]bool{}
	all := map[string]bool{"help": true}
	for _, c := range cmds {
		for f := range flagsOf(c) {
			all[f] = true
		}
	}
	inTable := false
	for _, line := range strings.Split(doc, "\n") {
		line = strings.ReplaceAll(line, `\|`, "/") // an escaped bar inside a cell
		switch {
		case strings.HasPrefix(line, "| command |"):
			inTable = true
			continue
		case inTable && !strings.HasPrefix(line, "|"):
			inTable = false
		}
		m := row.FindStringSubmatch(line)
		if !inTable || m == nil {
			for _, f := range flag.FindAllStringSubmatch(line, -1) {
				if !all[f[1]] {
					t.Errorf("docs/CLI.md mentions --%s, which no command has: %q", f[1], line)
				}
			}
			continue
		}
		name := m[1]
		c := cmds[name]
		if c == nil {
			t.Errorf("docs/CLI.md has a row for %q, which is not a command", name)
			continue
		}
		rows[name] = true
		if m[3] != "" && !contains(c.Aliases, m[3]) {
			t.Errorf("docs/CLI.md: %s has no alias %q (aliases %v)", name, m[3], c.Aliases)
		}
		fl := flagsOf(c)
		for _, f := range flag.FindAllStringSubmatch(line, -1) {
			if !fl[f[1]] {
				t.Errorf("docs/CLI.md's row for %s mentions --%s, which %s does not take", name, f[1], name)
			}
		}
	}
	var missing []string
	for n := range cmds {
		if !rows[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("docs/CLI.md's command table lacks %v", missing)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestREADMECommands: every "softdfu CMD ... --flag" example in README.md
// names a command and flags it takes.
func TestREADMECommands(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	root := (&env{}).rootCommand()
	ex := regexp.MustCompile(`softdfu ((?:--?[a-z-]+(?:[ =][^ -][^ ]*)? )*)([a-z-]+)([^#\x60\n]*)`)
	flag := regexp.MustCompile(`(?:^|\s)--([a-z][a-z0-9-]*)`)
	n := 0
	for _, m := range ex.FindAllStringSubmatch(string(b), -1) {
		c, _, err := root.Find([]string{m[2]})
		if err != nil || c == root {
			continue // prose ("softdfu updates ..."), not a command line
		}
		n++
		rest := strings.Fields(m[3])
		if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
			if sub, _, err := c.Find(rest[:1]); err == nil && sub != c {
				c = sub
			}
		}
		for _, f := range flag.FindAllStringSubmatch(m[1]+" "+m[3], -1) {
			if c.Flags().Lookup(f[1]) == nil && c.InheritedFlags().Lookup(f[1]) == nil && root.PersistentFlags().Lookup(f[1]) == nil {
				t.Errorf("README.md: %q: %s takes no --%s", strings.TrimSpace(m[0]), c.CommandPath(), f[1])
			}
		}
	}
	if n < 10 {
		t.Errorf("found only %d command lines in README.md; the pattern is broken", n)
	}
}
