// Package web is softdfu's web page: flash a board from a browser with
// the same Go engine as the CLI, built to WebAssembly (web/engine), talking
// to the board over WebUSB and Web Serial.
//
// The page, its script and the engine are embedded: Handler serves them
// (softdfu web), Export writes them as a static site. The engine is
// committed compressed (static/softdfu.wasm.gz) so that a fresh clone
// builds without a wasm toolchain step; go generate ./web rebuilds it.
package web

//go:generate go run ./internal/genwasm

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

//go:embed static
var static embed.FS

// Files is the site: index.html, app.js, style.css, wasm_exec.js and the
// compressed engine softdfu.wasm.gz.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	return sub
}

// EngineName is the URL path of the engine, relative to the page.
const EngineName = "softdfu.wasm"

// Engine returns the engine's WebAssembly module, decompressed.
func Engine() ([]byte, error) {
	gz, err := fs.ReadFile(Files(), EngineName+".gz")
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("the embedded engine is damaged: %w (run go generate ./web)", err)
	}
	return io.ReadAll(zr)
}

// Handler serves the site. The engine is served as application/wasm,
// gzip-encoded to browsers that accept it. Every answer forbids other
// origins from framing the page.
func Handler() http.Handler {
	files := http.FileServerFS(Files())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
		if path.Base(r.URL.Path) != EngineName {
			files.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("Cache-Control", "no-cache")
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			gz, err := fs.ReadFile(Files(), EngineName+".gz")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gz) //nolint:errcheck // the client went away
			return
		}
		b, err := Engine()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(b) //nolint:errcheck // the client went away
	})
}

// Export writes the site into dir as plain files, the engine decompressed
// as softdfu.wasm, for any static web server (it must serve .wasm as
// application/wasm, and the page over https or on localhost: browsers
// offer WebUSB only to secure pages).
func Export(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return fs.WalkDir(Files(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var b []byte
		name := p
		if p == EngineName+".gz" {
			name = EngineName
			b, err = Engine()
		} else {
			b, err = fs.ReadFile(Files(), p)
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
