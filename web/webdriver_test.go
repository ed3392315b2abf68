package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// driver is a small W3C WebDriver client for chromedriver: enough to load
// a page, run scripts, click, and take screenshots.
type driver struct {
	t       *testing.T
	base    string // http://127.0.0.1:PORT/session/ID
	cmd     *exec.Cmd
	profile string
}

// chromiumArgs start a headless chromium that reaches nothing but the test
// server: no first-run, sync, component updates or background traffic.
func chromiumArgs(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--window-size=1000,1500", "--hide-scrollbars", "--user-data-dir=" + profile}
}

func startDriver(t *testing.T, chromedriver, chromium string) *driver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(chromedriver, fmt.Sprintf("--port=%d", port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", chromedriver, err)
	}
	d := &driver{t: t, cmd: cmd, profile: t.TempDir()}
	t.Cleanup(d.stop)
	root := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; ; i++ {
		resp, err := http.Get(root + "/status")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("chromedriver did not answer on %s: %v", root, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": chromiumArgs(d.profile)},
	}}}
	var session struct {
		SessionID string `json:"sessionId"`
	}
	d.base = root
	d.call("POST", "/session", caps, &session)
	d.base = root + "/session/" + session.SessionID
	return d
}

func (d *driver) stop() {
	if d.cmd == nil {
		return
	}
	req, _ := http.NewRequest("DELETE", d.base, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	d.cmd.Process.Kill() //nolint:errcheck // it may have ended
	d.cmd.Wait()         //nolint:errcheck // killed
	d.cmd = nil
}

// call makes a WebDriver request and decodes its value into out.
func (d *driver) call(method, path string, body, out any) {
	d.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			d.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+path, r)
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		d.t.Fatalf("webdriver %s %s: %v: %s", method, path, err, raw)
	}
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("webdriver %s %s: %s: %s", method, path, resp.Status, env.Value)
	}
	if out != nil {
		if err := json.Unmarshal(env.Value, out); err != nil {
			d.t.Fatalf("webdriver %s %s: %v: %s", method, path, err, env.Value)
		}
	}
}

func (d *driver) navigate(url string) { d.call("POST", "/url", map[string]string{"url": url}, nil) }

// eval runs script (a function body; arguments[i] are args) and decodes
// what it returns into out.
func (d *driver) eval(out any, script string, args ...any) {
	d.t.Helper()
	if args == nil {
		args = []any{}
	}
	d.call("POST", "/execute/sync", map[string]any{"script": script, "args": args}, out)
}

// text returns the text of the element with the id.
func (d *driver) text(id string) string {
	var s string
	d.eval(&s, `const e = document.getElementById(arguments[0]); return e && !e.hidden ? e.innerText : "";`, id)
	return s
}

// click clicks the element matched by a CSS selector as a user would (a
// trusted event: the page's handler may ask for a device).
func (d *driver) click(selector string) {
	d.t.Helper()
	var el map[string]string
	d.call("POST", "/element", map[string]string{"using": "css selector", "value": selector}, &el)
	for _, id := range el {
		d.call("POST", "/element/"+id+"/click", map[string]any{}, nil)
		return
	}
	d.t.Fatalf("no element %s", selector)
}

// waitFor polls the condition (a script returning true when it holds) until
// it holds or the timeout ends, then fails the test with what the page says.
func (d *driver) waitFor(what, cond string, timeout time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		d.eval(&ok, "return !!("+cond+");")
		if ok {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("waiting for %s: not within %v; the page's error box says %q, its board box %q", what, timeout, d.text("error"), d.text("entry"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves the window as a PNG.
func (d *driver) screenshot(path string) {
	d.t.Helper()
	var h int
	d.call("POST", "/window/rect", map[string]int{"width": 1000, "height": 400}, nil)
	d.eval(&h, `window.scrollTo(0, 0); return document.documentElement.scrollHeight;`)
	d.call("POST", "/window/rect", map[string]int{"width": 1000, "height": h + 90}, nil)
	var b64 string
	d.call("GET", "/screenshot", nil, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		d.t.Fatal(err)
	}
}
