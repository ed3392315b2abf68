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
