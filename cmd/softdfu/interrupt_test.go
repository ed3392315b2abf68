package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestSIGINTDuringFlash runs the real binary: a 1 MB flash at real time on
// a simulated board served over USB/IP (so a second run finds the same
// board), SIGINT once the JSON output shows the write has started. The run
// exits 130 with a plain message, its JSON result is consistent (per
// sector bytes add up to the total, the board is still in the ROM
// bootloader), and the same command run again finishes the job.
func TestSIGINTDuringFlash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and flashes 1 MB at real time")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "softdfu")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	img := filepath.Join(dir, "app.bin")
	data := make([]byte, 1<<20)
	rand.New(rand.NewSource(1)).Read(data)
	binary.LittleEndian.PutUint32(data[0:], 0x20001000)
	binary.LittleEndian.PutUint32(data[4:], 0x08000101)
	if err := os.WriteFile(img, data, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := serveSim(t, bin)

	cmd := exec.Command(bin, "--json", "--usbip", addr, "flash", "--no-leave", img)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var result map[string]any
	sent := false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		switch {
		case ev["event"] == "progress" && ev["phase"] == "write" && !sent:
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			sent = true
		case ev["event"] == "result":
			result = ev
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !sent || !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("signal sent %v, exit %v (want 130)\nstderr: %s", sent, err, &stderr)
	}
	if msg := stderr.String(); strings.Contains(msg, "context canceled") || strings.Contains(msg, "BOOT0") || !strings.Contains(msg, "interrupted") {
		t.Errorf("stderr %q: want it to say interrupted, without \"context canceled\" or BOOT0 advice", msg)
	}
	checkInterrupted(t, result, len(data))

	again := exec.Command(bin, "--json", "--usbip", addr, "flash", "--no-leave", img)
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("running again: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "--usbip", addr, "verify", img).CombinedOutput(); err != nil {
		t.Fatalf("verify after the second run: %v\n%s", err, out)
	}
}

// checkInterrupted checks the result event of an interrupted flash.
func checkInterrupted(t *testing.T, result map[string]any, size int) {
	t.Helper()
	if result == nil {
		t.Fatal("no result event")
	}
	if e, _ := result["error"].(map[string]any); e == nil || e["code"] != "interrupted" || strings.Contains(e["message"].(string), "context canceled") {
		t.Errorf("result error %v: want code interrupted, a plain message", result["error"])
	}
	data := result["data"].(map[string]any)
	total := int(data["written_bytes"].(float64))
	sum := 0
	for _, s := range data["sectors"].([]any) {
		if w, ok := s.(map[string]any)["written"].(float64); ok {
			sum += int(w)
		}
	}
	if sum != total || total == 0 || total >= size {
		t.Errorf("per-sector written add up to %d, written_bytes %d (image %d)", sum, total, size)
	}
	state, _ := data["state"].(map[string]any)
	if state == nil || state["read"] != true {
		t.Fatalf("state %v: want it read back", data["state"])
	}
	if r := state["recovery"].(string); !strings.Contains(r, "still in the ROM bootloader") || strings.Contains(r, "BOOT0") {
		t.Errorf("recovery %q: want the board still in the bootloader, no BOOT0 advice", r)
	}
	states := map[string]int{}
	for _, s := range state["sectors"].([]any) {
		states[s.(map[string]any)["state"].(string)]++
	}
	if states["good"] == 0 || states["unknown"] > 0 {
		t.Errorf("sector states %v: want some done, none unknown", states)
	}
}

// serveSim starts "softdfu sim" with one feather-f405 in its bootloader
// at real time and returns the USB/IP address it listens on.
func serveSim(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "sim", "--sim", "feather-f405:dfu", "--sim-speed", "1", "--listen", "127.0.0.1:0")
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); w.Close(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	re := regexp.MustCompile(`over USB/IP on (\S+)`)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, r)
			return m[1]
		}
	}
	t.Fatal("softdfu sim did not say where it listens")
	return ""
}
