package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/sim"
)

// runOn runs softdfu with args against an existing simulated world, so a
// test can prepare a board (protection) that --sim cannot describe.
func runOn(t *testing.T, w *sim.World, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdout: &out, stderr: &errOut}
	e.hosts.Use(w)
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	code, _ := classify(err)
	if err != nil {
		errOut.WriteString(message(err))
	}
	return code, out.String(), errOut.String()
}

func TestProtectedBoards(t *testing.T) {
	tests := []struct {
		name    string
		rdp     byte
		wrp     uint16 // nWRP of bank 1
		args    []string
		code    int
		wantErr string
	}{
		{"erase a write-protected sector", 0xaa, 0xfffd, []string{"erase", "--sector", "0-1"}, board.Verify.Exit(),
			"sector 1 at 0x08004000 is not blank after erase (0x"},
		{"erase another sector", 0xaa, 0xfffd, []string{"erase", "--sector", "0,2"}, 0, ""},
		{"read a read-protected board", 0xbb, 0xffff, []string{"read", "--length", "4K", "OUT"}, board.Device.Exit(),
			"the board is read-protected: softdfu unprotect --yes removes it"},
		{"verify a read-protected board", 0xbb, 0xffff, []string{"verify", "--address", "0x08000000", "FILE"}, board.Device.Exit(), "it cannot be verified"},
		{"erase a read-protected board", 0xbb, 0xffff, []string{"erase", "--sector", "0"}, board.Device.Exit(), "errVENDOR"},
		{"unprotect it", 0xbb, 0xffff, []string{"unprotect", "--yes"}, 0, ""},
		{"unprotect an unprotected board", 0xaa, 0xffff, []string{"unprotect", "--yes"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := sim.New([]sim.Spec{{Board: "feather-f405", Mode: "dfu"}}, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[0]
			if err := b.WriteFlash(0x08004000, []byte{1, 2, 3, 4}); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "f.bin")
			if err := os.WriteFile(file, make([]byte, 16), 0o644); err != nil {
				t.Fatal(err)
			}
			for i, a := range tt.args {
				switch a {
				case "FILE":
					tt.args[i] = file
				case "OUT":
					tt.args[i] = filepath.Join(t.TempDir(), "x.bin")
				}
			}
			ob := b.OptionBytes(0)
			ob[1], ob[8], ob[9] = tt.rdp, byte(tt.wrp), byte(tt.wrp>>8)
			b.SetOptionBytes(0, ob)
			b.Reset()
			code, out, errOut := runOn(t, w, tt.args...)
			if code != tt.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
			if tt.name == "unprotect it" && (b.RDPLevel() != 0 || !strings.Contains(out, "read protection removed: the option bytes show RDP level 0 and the whole flash reads back erased")) {
				t.Errorf("RDP level %d after unprotect, want 0; stdout %q", b.RDPLevel(), out)
			}
			if tt.name == "unprotect an unprotected board" {
				// Nothing to remove: nothing is sent, the flash keeps its data.
				if got := b.Flash()[0x4000:0x4004]; !strings.Contains(out, "nothing to remove") || got[0] != 1 || got[3] != 4 {
					t.Errorf("flash at 0x08004000 % x after unprotect at level 0; stdout %q", got, out)
				}
			}
		})
	}
}
