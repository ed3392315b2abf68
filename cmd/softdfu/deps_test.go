package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLinksNoTestCode keeps test harnesses (test/..., which boot VMs and
// run apt-get) and test-support packages (usbtest...) out of the shipped
// binary.
func TestLinksNoTestCode(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.HasPrefix(pkg, "github.com/softdfu/softdfu") {
			continue
		}
		if strings.Contains(pkg+"/", "/test/") || strings.HasSuffix(pkg, "test") {
			t.Errorf("softdfu links %s: move what it needs out of the test code", pkg)
		}
	}
}
