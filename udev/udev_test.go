package udev

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRulesCoverIDs(t *testing.T) {
	r := Rules("sudo softdfu udev-rules --install")
	if !strings.Contains(r, "# `sudo softdfu udev-rules --install`, then unplug and replug the board.\n") {
		t.Errorf("rules do not say how to install them:\n%s", r)
	}
	for _, want := range []string{
		`ATTR{idVendor}=="0483", ATTR{idProduct}=="df11", TAG+="uaccess"`,
		`ATTR{idVendor}=="0483", ATTR{idProduct}=="df11", MODE="0660", GROUP="plugdev"`,
		`ATTR{idVendor}=="239a", ATTR{idProduct}=="805a", TAG+="uaccess"`,
		`ATTR{idVendor}=="f055", ATTR{idProduct}=="98??", TAG+="uaccess"`,
		`ATTR{idVendor}=="0483", ATTR{idProduct}=="5740", TAG+="uaccess"`,
		`ENV{ID_USB_INTERFACES}=="*:fe0101:*", TAG+="uaccess"`,
	} {
		if !strings.Contains(r, want) {
			t.Errorf("rules lack %q", want)
		}
	}
	// Every non-comment line is a complete rule restricted to USB devices.
	n := 0
	for _, l := range strings.Split(r, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		n++
		if !strings.HasPrefix(l, `SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", `) {
			t.Errorf("rule line not restricted to usb devices: %q", l)
		}
		if strings.Count(l, `"`)%2 != 0 {
			t.Errorf("unbalanced quotes: %q", l)
		}
	}
	if want := 2*len(IDs) + 2; n != want {
		t.Errorf("%d rule lines, want %d", n, want)
	}
}

func TestRule(t *testing.T) {
	got := Rule("0483", "df11")
	want := `SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="0483", ATTR{idProduct}=="df11", TAG+="uaccess"` + "\n" +
		`SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="0483", ATTR{idProduct}=="df11", MODE="0660", GROUP="plugdev"` + "\n"
	if got != want {
		t.Errorf("Rule = %q, want %q", got, want)
	}
}

func TestInstall(t *testing.T) {
	errRun := errors.New("udevadm: not found")
	tests := []struct {
		name    string
		failAt  int // fail the n-th command (1-based), 0 = none
		wantErr string
		wantCmd []string
	}{
		{"ok", 0, "", []string{"udevadm control --reload-rules", "udevadm trigger"}},
		{"reload fails", 1, "reloading failed", []string{"udevadm control --reload-rules"}},
		{"trigger fails", 2, "triggering failed", []string{"udevadm control --reload-rules", "udevadm trigger"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "60-softdfu.rules")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			var cmds []string
			run := func(_ context.Context, name string, args ...string) error {
				cmds = append(cmds, name+" "+strings.Join(args, " "))
				if len(cmds) == tt.failAt {
					return errRun
				}
				return nil
			}
			err := Install(context.Background(), path, Rules("install"), run)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Install: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errRun)) {
				t.Fatalf("Install error = %v, want %q wrapping %v", err, tt.wantErr, errRun)
			}
			if !reflect.DeepEqual(cmds, tt.wantCmd) {
				t.Errorf("commands %q, want %q", cmds, tt.wantCmd)
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != Rules("install") {
				t.Errorf("file content wrong (err %v)", err)
			}
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644", fi.Mode().Perm())
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("temporary files left behind: %v", ents)
			}
		})
	}
}

func TestInstallNoDir(t *testing.T) {
	called := false
	run := func(context.Context, string, ...string) error { called = true; return nil }
	err := Install(context.Background(), filepath.Join(t.TempDir(), "missing", "x.rules"), Rules("install"), run)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Install into missing dir: %v, want ErrNotExist", err)
	}
	if called {
		t.Error("udevadm ran although the file was not written")
	}
}

// TestPathAndNoReload: an empty path is DefaultPath; with NoReload,
// Install writes the file and runs nothing.
func TestPathAndNoReload(t *testing.T) {
	if Path("") != DefaultPath || Path("x.rules") != "x.rules" {
		t.Errorf(`Path("") = %q, Path("x.rules") = %q`, Path(""), Path("x.rules"))
	}
	path := filepath.Join(t.TempDir(), "60-softdfu.rules")
	if err := Install(context.Background(), path, Rules("install"), NoReload); err != nil {
		t.Fatalf("Install with NoReload: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != Rules("install") {
		t.Errorf("file content wrong (err %v)", err)
	}
}
