package fwfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCreatable: a file in an existing directory can be created (and the
// probe leaves nothing behind); a missing directory or a file in the way
// is named.
func TestCreatable(t *testing.T) {
	dir := t.TempDir()
	if err := Creatable(filepath.Join(dir, "back.bin")); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if err := Creatable(filepath.Join(dir, "nodir", "back.bin")); err == nil || !strings.Contains(err.Error(), "does not exist (create it first)") {
		t.Errorf("missing directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Creatable(filepath.Join(file, "back.bin")); err == nil || !strings.Contains(err.Error(), "is not a directory") {
		t.Errorf("file as directory: %v", err)
	}
}
