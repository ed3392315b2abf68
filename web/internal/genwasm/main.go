// Command genwasm builds the web page's engine (web/engine) for
// GOOS=js GOARCH=wasm and writes it gzip-compressed to
// web/static/softdfu.wasm.gz, with the Go release's wasm_exec.js beside it,
// so that go build ./cmd/softdfu embeds them from a fresh clone, and the
// fingerprint of its sources to web/engine.sum. Run it
// with go generate ./web; CI runs it again and fails when the committed
// files differ (the build is reproducible for one Go release).
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/softdfu/softdfu/web/internal/enginesum"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genwasm:", err)
		os.Exit(1)
	}
}

func run() error {
	// go generate runs in web/.
	tmp, err := os.MkdirTemp("", "softdfu-wasm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "softdfu.wasm")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./engine")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the engine: %w", err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	// No name and no time in the header: the same build gives the same file.
	if _, err := zw.Write(raw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join("static", "softdfu.wasm.gz"), gz.Bytes(), 0o644); err != nil {
		return err
	}
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	support, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join("static", "wasm_exec.js"), support, 0o644); err != nil {
		return err
	}
	sum, err := enginesum.Compute("./engine")
	if err != nil {
		return err
	}
	if err := os.WriteFile(enginesum.File, []byte(sum+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("softdfu.wasm: %d bytes, %d gzip-compressed\n", len(raw), gz.Len())
	return nil
}
