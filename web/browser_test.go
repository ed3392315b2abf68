package web_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/fwfile"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/web"
)

// TestBrowser loads the page in a real headless chromium whose WebUSB and
// Web Serial are the test shim, wired to a simulated Feather STM32F405
// running CircuitPython: the page restarts the board into its ROM over the
// serial REPL, connects the bootloader, plans, flashes 64 KB, verifies and
// leaves; then it refuses a file whose vector table cannot boot before
// erasing or writing anything, and plans nothing to write for a file the
// board already holds. Screenshots go to docs/web-*.png.
func TestBrowser(t *testing.T) {
	if os.Getenv("SOFTDFU_BROWSER") != "1" {
		t.Skip("set SOFTDFU_BROWSER=1 to run the page in headless chromium (Debian: apt install chromium chromium-driver)")
	}
	chromium := lookPath(t, "chromium", "chromium-browser", "google-chrome")
	chromedriver := lookPath(t, "chromedriver")

	specs, err := sim.ParseSpecs("feather-f405:circuitpython")
	if err != nil {
		t.Fatal(err)
	}
	// Real time: the page waits in wall time, as it would for a board.
	world, err := sim.New(specs, sim.Options{Speed: 1, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	board := world.Boards()[0]
	br := newBridge(world)
	srv := httptest.NewServer(testSite(br))
	defer srv.Close()

	d := startDriver(t, chromedriver, chromium)
	shots := filepath.Join("..", "docs")
	d.navigate(srv.URL + "/")
	d.waitFor("the engine", `document.body.dataset.ready === "1"`, 60*time.Second)
	d.screenshot(filepath.Join(shots, "web-1-start.png"))

	part := board.Part()
	good := sim.AppImage(part, "circuitpython", 64<<10)
	dropFile(d, "firmware.bin", good)
	d.waitFor("the file", `document.getElementById("file-info").hidden === false`, 10*time.Second)
	if info := d.text("file-info"); !strings.Contains(info, "64 KB") || !strings.Contains(info, "0x08000000") {
		t.Errorf("file info %q: want 64 KB at 0x08000000", info)
	}

	// Software entry over Web Serial: the CircuitPython REPL.
	d.click("#serial")
	d.waitFor("the entry", `/Connect bootloader/.test(document.getElementById("entry").innerText) && !/Asking/.test(document.getElementById("entry").innerText)`, 30*time.Second)
	if !strings.Contains(d.text("entry"), "CircuitPython REPL") {
		t.Errorf("entry box %q: want the REPL method", d.text("entry"))
	}
	waitROM(t, board)
	d.screenshot(filepath.Join(shots, "web-2-entered.png"))

	d.click("#connect")
	d.waitFor("the plan", `document.getElementById("plan").hidden === false`, 30*time.Second)
	facts := d.text("board-facts")
	if !strings.Contains(facts, "STM32F405") || !strings.Contains(facts, board.ROMSerial()) {
		t.Errorf("board facts %q: want the part STM32F405 and serial %s", facts, board.ROMSerial())
	}
	if sum := d.text("plan-summary"); !strings.Contains(sum, "64 KB to write") {
		t.Errorf("plan summary %q: want 64 KB to write", sum)
	}
	d.screenshot(filepath.Join(shots, "web-3-plan.png"))

	start := time.Now()
	d.click("#flash")
	d.waitFor("the result", `!document.getElementById("result").hidden || !document.getElementById("error").hidden`, 120*time.Second)
	elapsed := time.Since(start)
	if msg := d.text("error"); msg != "" {
		t.Fatalf("flashing failed in the page: %s", msg)
	}
	res := d.text("result")
	var r struct{ Millis, EraseMs, WriteMs, VerifyMs, Transfers int }
	d.eval(&r, `return state.result;`)
	t.Logf("flashed 64 KB from the page in %v from the click to the result; the engine's job %d ms (erase %d ms, write %d ms, verify %d ms, %d USB requests), the simulated board in real time",
		elapsed.Round(time.Millisecond), r.Millis, r.EraseMs, r.WriteMs, r.VerifyMs, r.Transfers)
	if !strings.Contains(res, "verified 64 KB") || !strings.Contains(res, "left the bootloader") {
		t.Errorf("result %q: want verified 64 KB and left the bootloader", res)
	}
	if !bytes.Equal(board.Flash()[:len(good)], good) {
		t.Error("the board's flash does not hold the image after the page flashed it")
	}
	if st := board.State(); st.Run == sim.RunROM {
		t.Errorf("board state %+v: still in the ROM after the page left it", st)
	}
	d.screenshot(filepath.Join(shots, "web-4-flashed.png"))

	refuse(t, d, br, board, good, shots)
}

// refuse drops a file whose vector table cannot boot on a board held in its
// bootloader: the page must refuse it before erasing or writing anything.
// Then the file the board holds, as Intel HEX, plans nothing to write.
func refuse(t *testing.T, d *driver, br *bridge, board *sim.Board, good []byte, shots string) {
	board.SetBoot0(true)
	board.Reset()
	waitROM(t, board)
	bad := append([]byte(nil), good...)
	copy(bad, []byte{0x00, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x08}) // stack in no RAM, even (ARM) reset vector
	before := append([]byte(nil), board.Flash()...)
	changes := br.count("dfu-")
	dropFile(d, "broken.bin", bad)
	d.click("#connect")
	d.waitFor("the refusal", `document.getElementById("error").dataset.kind === "guard"`, 30*time.Second)
	if msg := d.text("error"); !strings.Contains(msg, "Refused before touching the board") || !strings.Contains(msg, "vector table") {
		t.Errorf("refusal reads %q", msg)
	}
	var disabled bool
	d.eval(&disabled, `return document.getElementById("flash").disabled;`)
	if !disabled {
		t.Error("the Flash button is enabled after a refusal")
	}
	if n := br.count("dfu-"); n != changes {
		t.Errorf("%d erase or write requests reached the board for a refused file", n-changes)
	}
	if !bytes.Equal(board.Flash(), before) {
		t.Error("the board's flash changed for a refused file")
	}
	d.screenshot(filepath.Join(shots, "web-5-refused.png"))

	var hex bytes.Buffer
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: good}}}
	if err := fwfile.Encode(&hex, fwfile.IHex, img, fwfile.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	dropFile(d, "firmware.hex", hex.Bytes())
	d.waitFor("the plan", `document.getElementById("plan").hidden === false`, 30*time.Second)
	if info := d.text("file-info"); !strings.Contains(info, "ihex") {
		t.Errorf("file info %q: want the ihex format", info)
	}
	if sum := d.text("plan-summary"); !strings.Contains(sum, "0 bytes to write") || !strings.Contains(sum, "unchanged") {
		t.Errorf("plan for the file the board holds: %q, want nothing to write and unchanged sectors", sum)
	}
	d.screenshot(filepath.Join(shots, "web-6-unchanged.png"))
}

// TestBrowserEntry enters the ROM bootloader from the page with every
// method a browser allows: MicroPython's raw REPL and the Arduino core's
// 1200-baud touch over Web Serial, DFU_DETACH over WebUSB; then the page
// connects the bootloader the board became.
func TestBrowserEntry(t *testing.T) {
	if os.Getenv("SOFTDFU_BROWSER") != "1" {
		t.Skip("set SOFTDFU_BROWSER=1 to run the page in headless chromium (Debian: apt install chromium chromium-driver)")
	}
	d := startDriver(t, lookPath(t, "chromedriver"), lookPath(t, "chromium", "chromium-browser", "google-chrome"))
	for _, tc := range []struct{ spec, how, want string }{
		{"discovery-f407:dfu", "denied", "udev-rules"},
		{"feather-f405:micropython", "serial", "raw REPL"},
		{"blackpill-f411:arduino", "serial", "1200-baud touch"},
		{"nucleo-f446re:runtime", "detach", "DFU_DETACH"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			specs, err := sim.ParseSpecs(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			world, err := sim.New(specs, sim.Options{Speed: 1, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			board := world.Boards()[0]
			srv := httptest.NewServer(testSite(newBridge(world)))
			defer srv.Close()
			d.t = t
			d.navigate(srv.URL + "/")
			d.waitFor("the engine", `document.body.dataset.ready === "1"`, 60*time.Second)
			switch tc.how {
			case "denied":
				// The system refuses the browser the device: the page says
				// what to do on this system (Linux here).
				d.eval(nil, `window.shimDeny = true;`)
				d.click("#connect")
				d.waitFor("the error", `document.getElementById("error").dataset.kind === "permission"`, 20*time.Second)
				if msg := d.text("error"); !strings.Contains(msg, tc.want) || !strings.Contains(msg, "Access denied") {
					t.Errorf("error box %q: want the browser's message and %q", msg, tc.want)
				}
				d.screenshot(filepath.Join("..", "docs", "web-8-denied.png"))
				return
			case "serial":
				d.click("#serial")
			default:
				d.click("#connect")
				d.waitFor("the application", `!document.getElementById("app-actions").hidden`, 20*time.Second)
				d.click("#detach")
			}
			d.waitFor("the entry", `/Connect bootloader/.test(document.getElementById("entry").innerText) && !/Asking|Sending/.test(document.getElementById("entry").innerText)`, 30*time.Second)
			if !strings.Contains(d.text("entry"), tc.want) {
				t.Errorf("entry box %q: want %q", d.text("entry"), tc.want)
			}
			waitROM(t, board)
			if tc.how == "detach" {
				d.screenshot(filepath.Join("..", "docs", "web-7-detached.png"))
			}
			d.click("#connect")
			d.waitFor("the bootloader", `/ROM bootloader/.test(document.getElementById("board-facts").innerText)`, 20*time.Second)
			if facts := d.text("board-facts"); !strings.Contains(facts, board.ROMSerial()) || !strings.Contains(facts, "STM32F4") {
				t.Errorf("board facts %q: want serial %s and an STM32F4 part", facts, board.ROMSerial())
			}
		})
	}
}

func lookPath(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("SOFTDFU_BROWSER=1 but none of %v is installed (Debian: apt install chromium chromium-driver)", names)
	return ""
}

// waitROM waits until the simulated board runs its ROM bootloader.
func waitROM(t *testing.T, b *sim.Board) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for b.State().Run != sim.RunROM {
		if time.Now().After(deadline) {
			t.Fatalf("the board did not reach its ROM: %+v", b.State())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dropFile drops a file on the page's drop zone as a user dragging it from
// a file manager would.
func dropFile(d *driver, name string, data []byte) {
	d.eval(nil, `
		const bytes = Uint8Array.from(atob(arguments[1]), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], arguments[0]));
		const zone = document.getElementById("drop");
		zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
		zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
	`, name, base64.StdEncoding.EncodeToString(data))
}

// testSite is the page as softdfu web serves it, with the shim loaded
// before the page's scripts, and the bridge's WebSocket.
func testSite(br *bridge) http.Handler {
	mux := http.NewServeMux()
	site := web.Handler()
	mux.Handle("/test/ws", websocket.Handler(br.serve))
	mux.HandleFunc("/test/shim.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("testdata", "shim.js"))
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		f, err := web.Files().Open("index.html")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		page, _ := io.ReadAll(f)
		page = bytes.Replace(page, []byte(`<script src="wasm_exec.js">`), []byte(`<script src="/test/shim.js"></script><script src="wasm_exec.js">`), 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page) //nolint:errcheck // the browser went away
	})
	mux.Handle("/", site)
	return mux
}
