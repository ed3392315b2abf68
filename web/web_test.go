package web_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/softdfu/softdfu/web"
	"github.com/softdfu/softdfu/web/internal/enginesum"
)

func TestEngineIsWebAssembly(t *testing.T) {
	b, err := web.Engine()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("the embedded engine does not start with the wasm magic: % x", b[:min(8, len(b))])
	}
}

func TestHandlerServesWasm(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	for _, gz := range []bool{false, true} {
		req, _ := http.NewRequest("GET", srv.URL+"/"+web.EngineName, nil)
		tr := &http.Transport{DisableCompression: true}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" {
			t.Errorf("gzip %v: Content-Type %q, want application/wasm", gz, ct)
		}
		if gz {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatal("no gzip encoding for a client that accepts it")
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if !bytes.HasPrefix(body, []byte("\x00asm")) {
			t.Errorf("gzip %v: body is not wasm", gz)
		}
	}
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `<script src="app.js">`) {
		t.Errorf("/ is not the page: %.200s", page)
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	if err := web.Export(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"index.html", "app.js", "style.css", "wasm_exec.js", web.EngineName} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, web.EngineName+".gz")); err == nil {
		t.Error("the export holds the compressed engine too")
	}
}

// TestEngineLinksNoHostBackend keeps the native USB backends, the serial
// library, the simulator and the CLI out of the WebAssembly engine.
func TestEngineLinksNoHostBackend(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./engine")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.Output()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("no go command here")
	}
	if err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go list -deps ./engine: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"go.bug.st/serial", "golang.org/x/sys", "github.com/spf13/cobra",
			"github.com/softdfu/softdfu/usb/usbfs", "github.com/softdfu/softdfu/usb/usbip",
			"github.com/softdfu/softdfu/sim", "github.com/softdfu/softdfu/internal/"} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") || strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad) {
				t.Errorf("the engine links %s", dep)
			}
		}
	}
}

// TestEngineCompiles type-checks the engine and its browser transports for
// GOOS=js GOARCH=wasm (a native go vet ./... skips them), so that a change
// in the library that breaks the page fails here, not only in CI's
// go generate ./web.
func TestEngineCompiles(t *testing.T) {
	cmd := exec.Command("go", "vet", "./engine", "../usb/webusb", "../enter/webserial")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("no go command here")
	}
	if err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go vet ./engine ../usb/webusb ../enter/webserial: %v\n%s", err, out)
	}
}

// TestEngineFresh fails when the committed engine was built from other
// sources than the tree's (a library change since go generate ./web ran).
// It judges only with the Go release that built it: another release builds
// other bytes anyway, and CI rebuilds with its own.
func TestEngineFresh(t *testing.T) {
	want, err := os.ReadFile(enginesum.File)
	if err != nil {
		t.Fatalf("%v: run go generate ./web", err)
	}
	rec := strings.Fields(string(want))
	if len(rec) != 2 {
		t.Fatalf("%s: %q is not \"GOVERSION SHA256\": run go generate ./web", enginesum.File, want)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command here")
	}
	got, err := enginesum.Compute("./engine")
	if err != nil {
		t.Fatal(err)
	}
	g := strings.Fields(got)
	if g[0] != rec[0] {
		t.Skipf("the committed engine was built by %s, this is %s: only that release can tell whether it is fresh", rec[0], g[0])
	}
	if g[1] != rec[1] {
		t.Fatalf("web/static/softdfu.wasm.gz is stale: the engine's sources changed since it was built; run go generate ./web and commit web/static and web/%s", enginesum.File)
	}
}
