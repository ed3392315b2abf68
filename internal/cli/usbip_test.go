package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb/usbip"
)

// TestUSBIP runs list and flash against simulated boards served over USB/IP
// on loopback, including the leave that makes the board re-enumerate.
func TestUSBIP(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "discovery-f407", Mode: "dfu"}, {Board: "nucleo-f446re"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveUSBIP(t, w)

	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := run("list", "--usbip", addr)
	if code != 0 || !strings.Contains(out, "1-1   dfu   0483:df11") || !strings.Contains(out, "1-2   app   239a:8031") {
		t.Fatalf("list (exit %d):\n%s%s", code, out, errs)
	}
	app := filepath.Join(t.TempDir(), "app.bin")
	if err := os.WriteFile(app, sim.AppImage(sim.Parts["STM32F407VG"], "circuitpython", 40000), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run("flash", "--usbip", addr, "--path", "1-1", "--app-timeout", "3s", app)
	if code != 0 || !strings.Contains(out, "verified 40000 bytes") || !strings.Contains(out, "application started: 239a:8031") {
		t.Fatalf("flash over USB/IP (exit %d):\n%s%s", code, out, errs)
	}
	if !bytes.Equal(w.Board("1-1").Flash()[:40000], sim.AppImage(sim.Parts["STM32F407VG"], "circuitpython", 40000)) {
		t.Fatal("the board does not hold the image")
	}
}

// serveUSBIP serves w over USB/IP on a loopback port until the test ends
// and returns the address.
func serveUSBIP(t *testing.T, w *sim.World) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		usbip.NewServer(w, usbip.ServerOptions{}).Serve(ctx, l)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return l.Addr().String()
}

// TestBusyBoard: a board another program has imported over USB/IP is
// listed as what it is (a DFU device on its port, with its ID) and busy,
// and flashing it says it is busy (exit 4, JSON code "busy") instead of
// that no board matches; once released it is flashed.
func TestBusyBoard(t *testing.T) {
	w, err := sim.New([]sim.Spec{{Board: "discovery-f407", Mode: "dfu"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveUSBIP(t, w)
	holder, err := usbip.Dial(context.Background(), addr, "1-1") // another softdfu, flashing
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Main(args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := run("list", "--usbip", addr)
	if code != 0 || !strings.Contains(out, "1-1   dfu   0483:df11") || !strings.Contains(out, "busy: in use by another program") {
		t.Errorf("list of a busy board (exit %d):\n%s%s", code, out, errs)
	}
	app := filepath.Join(t.TempDir(), "app.bin")
	if err := os.WriteFile(app, sim.AppImage(sim.Parts["STM32F407VG"], "circuitpython", 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code = run("--json", "flash", "--usbip", addr, "--app-timeout", "1s", app)
	if code != board.NoDevice.Exit() || !strings.Contains(errs, "busy") || !strings.Contains(out, `"code":"busy"`) || strings.Contains(errs, "no board") {
		t.Errorf("flash of a busy board (exit %d, want %d):\n%s%s", code, board.NoDevice.Exit(), out, errs)
	}
	holder.Close()
	out, errs, code = run("flash", "--usbip", addr, "--app-timeout", "1s", app)
	if code != 0 || !strings.Contains(out, "flashed 1-1") {
		t.Errorf("flash once released (exit %d):\n%s%s", code, out, errs)
	}
}
