package dfuutil

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/dfuse"
	"github.com/softdfu/softdfu/sim"
)

// world is simulated boards for one test.
func world(t *testing.T, specs string) *sim.World {
	t.Helper()
	s, err := sim.ParseSpecs(specs)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.New(s, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs the drop-in on w in dir and returns the exit code and output.
func run(t *testing.T, w *sim.World, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Host: w, Getenv: func(k string) string { return env[k] }})
	return code, out.String(), errb.String()
}

func TestListLines(t *testing.T) {
	w := world(t, "discovery-f407:dfu")
	code, out, _ := run(t, w, nil, "-l")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := `Found DFU: [0483:df11] ver=2100, devnum=2, cfg=1, intf=0, path="1-1", alt=0, name="@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", serial="`
	if !strings.Contains(out, want) {
		t.Errorf("-l lacks %q:\n%s", want, out)
	}
	if strings.Index(out, "alt=3") > strings.Index(out, "alt=0") {
		t.Errorf("-l lists alternate settings in ascending order, dfu-util lists the last first:\n%s", out)
	}
	code, out, _ = run(t, w, nil, "-l", "-a", "1")
	if code != 0 || strings.Count(out, "Found DFU") != 1 || !strings.Contains(out, "alt=1, name=\"@Option Bytes") {
		t.Errorf("-l -a 1: exit %d\n%s", code, out)
	}
}

func TestDownloadLeaveUpload(t *testing.T) {
	w := world(t, "discovery-f407:dfu")
	b := w.Boards()[0]
	dir := t.TempDir()
	app := sim.AppImage(b.Part(), "circuitpython", 40*1024+7)
	fw := filepath.Join(dir, "fw.bin")
	os.WriteFile(fw, app, 0o644)
	old := bytes.Repeat([]byte{0x5a}, 64*1024)
	if err := b.WriteFlash(0x08000000, old); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, w, nil, "-a", "0", "-s", "0x08000000:leave", "-D", fw)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Download done.", "File downloaded successfully", "Submitting leave request..."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "dfu-util: Invalid DFU suffix signature") && !strings.Contains(errs, "Warning: Invalid DFU suffix signature") {
		t.Errorf("no suffix warning: %q", errs)
	}
	flash := b.Flash()
	if !bytes.Equal(flash[:len(app)], app) {
		t.Fatal("the board does not hold the image")
	}
	if !bytes.Equal(flash[len(app):64*1024], old[len(app):]) {
		t.Error("bytes outside the image in its last sector were not kept")
	}
	if st := b.State(); st.Run != sim.RunApp {
		t.Errorf("the board runs %v after :leave", st.Run)
	}
	b.SetBoot0(true)
	b.Reset()
	up := filepath.Join(dir, "up.bin")
	code, out, errs = run(t, w, nil, "-a", "0", "-s", "0x08000000:4096", "-U", up)
	if code != 0 {
		t.Fatalf("upload exit %d\n%s%s", code, out, errs)
	}
	got, _ := os.ReadFile(up)
	if !bytes.Equal(got, app[:4096]) {
		t.Errorf("upload read %d bytes that differ from the image", len(got))
	}
	code, _, errs = run(t, w, nil, "-a", "0", "-s", "0x08000000:4096", "-U", up)
	if code != ExCantCreat || !strings.Contains(errs, "Cannot open file "+up+" for writing: File exists") {
		t.Errorf("upload over an existing file: exit %d, %q", code, errs)
	}
}

func TestClassicErasesTouchedSectors(t *testing.T) {
	w := world(t, "discovery-f407:dfu")
	b := w.Boards()[0]
	dir := t.TempDir()
	fw := filepath.Join(dir, "fw.bin")
	os.WriteFile(fw, bytes.Repeat([]byte{1}, 100), 0o644)
	b.WriteFlash(0x08000000, bytes.Repeat([]byte{0x5a}, 16*1024))
	code, out, errs := run(t, w, map[string]string{EnvClassic: "1"}, "-a", "0", "-s", "0x08000000", "-D", fw)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if f := b.Flash(); f[100] != 0xff || f[99] != 1 {
		t.Errorf("classic mode kept bytes outside the image: % x", f[98:102])
	}
}

func TestErrors(t *testing.T) {
	w := world(t, "discovery-f407:dfu")
	dir := t.TempDir()
	fw := filepath.Join(dir, "fw.bin")
	os.WriteFile(fw, []byte("0123456789abcdef0123"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-D", fw}, ExIOErr, "More than one DFU capable USB device found!"},
		{[]string{"-a", "0", "-D", fw}, ExUsage, "dfu-util: (for raw binary download, use the --dfuse-address option)"},
		{[]string{"-a", "0", "-D", filepath.Join(dir, "none")}, ExNoInput, "Could not open file " + filepath.Join(dir, "none") + " for reading: No such file or directory"},
		{[]string{"-a", "0", "-s", ":mass-erase"}, ExUsage, "The mass erase command can only be used with force"},
		{[]string{"-a", "0", "-s", "0x08000000:bogus", "-D", fw}, ExUsage, "dfu-util: Invalid dfuse modifier: bogus"},
		{[]string{"-a", "0", "-s", "0x07000000", "-D", fw}, ExUsage, "Last page at 0x07000013 is not writeable"},
		{[]string{"-a", "0", "-s", "0x07000000", "-U", filepath.Join(dir, "u")}, ExUsage, "Page at 0x07000000 is not readable"},
		{[]string{"-d", "1234:5678", "-d", ",1234:5678", "-l", "-x"}, ExUsage, "invalid option -- 'x'"},
		{[]string{"-p", "9-9", "-a", "0", "-s", ":leave"}, ExIOErr, "No DFU capable USB device available"},
		{[]string{}, ExUsage, "You need to specify one of -D or -U"},
	} {
		code, out, errs := run(t, w, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, stderr %q, want %d and %q\n%s", c.args, code, errs, c.code, c.msg, out)
		}
	}
}

func TestEnterApplications(t *testing.T) {
	for _, spec := range []string{"feather-f405", "feather-f405:micropython", "feather-f405:runtime"} {
		w := world(t, spec)
		code, out, errs := run(t, w, nil, "-e")
		if code != 0 {
			t.Errorf("%s: -e exit %d\n%s%s", spec, code, out, errs)
			continue
		}
		if st := w.Boards()[0].State(); st.Run != sim.RunROM {
			t.Errorf("%s: after -e the board runs %v", spec, st.Run)
		}
		w = world(t, spec)
		code, out, errs = run(t, w, map[string]string{EnvClassic: "1"}, "-e")
		wantCode := ExIOErr
		if strings.HasSuffix(spec, ":runtime") {
			wantCode = 0 // a DFU run-time interface is detached in classic mode too
		}
		if code != wantCode {
			t.Errorf("%s: classic -e exit %d, want %d\n%s%s", spec, code, wantCode, out, errs)
		}
	}
	w := world(t, "feather-f405:runtime")
	_, out, _ := run(t, w, nil, "-l")
	if !strings.Contains(out, "Found Runtime: [") {
		t.Errorf("-l does not show the run-time interface:\n%s", out)
	}
}

func TestDfuSeFileWithoutAlt(t *testing.T) {
	w := world(t, "discovery-f407:dfu")
	b := w.Boards()[0]
	app := sim.AppImage(b.Part(), "circuitpython", 20*1024)
	d, err := dfuse.Marshal(&firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: app}}}, dfuse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "app.dfu")
	os.WriteFile(name, d, 0o644)
	code, out, errs := run(t, w, nil, "-D", name)
	if code != 0 || !strings.Contains(out, "Multiple alternate interfaces for DfuSe file") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !bytes.Equal(b.Flash()[:len(app)], app) {
		t.Error("the board does not hold the .dfu file's element")
	}
}
