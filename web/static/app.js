// softdfu's page: the user interface around the engine (softdfu.wasm, the
// Go code of the softdfu command built for the browser). The engine does
// every check, plan and transfer; this script only shows what it says.
"use strict";

const ENGINE_URL = "softdfu.wasm";
const $ = (id) => document.getElementById(id);
const state = { name: "", bytes: null, image: null, board: null, plan: null, busy: false };
const platform = /Windows/.test(navigator.userAgent) ? "windows" : /Mac OS/.test(navigator.userAgent) ? "mac" : "linux";

function kb(n) {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return (n >> 20) + " MB";
  if (n >= 1024 && n % 1024 === 0) return (n >> 10) + " KB";
  return n.toLocaleString("en") + " bytes";
}

function facts(dl, rows) {
  dl.replaceChildren();
  for (const [k, v] of rows) {
    if (v === undefined || v === "") continue;
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = v;
    dl.append(dt, dd);
  }
  dl.hidden = false;
}

// ---- errors and what to do about them

const ADVICE = {
  image: ["Check that this is the firmware file for this board.", "For a raw .bin, set the address it must go to (0x08000000 is the start of STM32 flash)."],
  guard: ["The file would not start on this chip: its vector table (initial stack pointer and reset handler) does not fit the board's RAM and flash.", "Check that it was built for this chip and linked at the flash start, or that the address above is right. Nothing was written."],
  "not-dfu": ["The board runs its application. Use the serial button if it runs CircuitPython or MicroPython, or hold BOOT0 and press reset, then connect the bootloader."],
  verify: ["The flash did not read back as written: the sector may be write-protected.", "Check the option bytes with softdfu option-bytes on a computer, then flash again."],
  gone: ["The board disconnected. Plug it in again (put it in the bootloader if needed) and click Connect bootloader."],
  "no-bootloader": ["The bootloader did not appear. Hold BOOT0 high and press reset, then click Connect bootloader."],
  "no-method": ["This firmware offers no way to restart into the bootloader from software. Hold BOOT0 high and press reset."],
  unsupported: ["Open this page in Chrome, Edge or Opera, over https or on localhost (softdfu web serves it there)."],
  "no-image": ["Drop a firmware file first."],
  "no-board": ["Connect a board first."],
};
const ACCESS = {
  windows: ["On Windows the ROM bootloader needs the WinUSB driver: install it with Zadig (pick \"STM32 BOOTLOADER\", then WinUSB) or with STM32CubeProgrammer's driver, then unplug and replug the board."],
  linux: ["On Linux your user needs access to the board: run sudo softdfu udev-rules --install (or add a udev rule for 0483:df11), then unplug and replug it."],
  mac: ["Close other programs that use the board (STM32CubeProgrammer, dfu-util), then unplug and replug it."],
};
ADVICE.permission = ACCESS[platform];
ADVICE.busy = ["Another program or browser tab holds the board: close it and try again."].concat(ACCESS[platform]);

function showError(title, err) {
  const e = typeof err === "object" && err !== null ? err : { message: String(err), kind: "other" };
  let kind = e.kind || "other";
  const msg = e.message || String(err);
  if (/Access denied|Unable to claim|SecurityError/i.test(msg)) kind = "permission";
  $("error-title").textContent = title;
  $("error-message").textContent = msg;
  const advice = (ADVICE[kind] || []).slice();
  if (/read protect|RDP/i.test(msg)) advice.push("Read protection (RDP) is on: removing it mass-erases the whole flash (softdfu unprotect on a computer).");
  if (e.changed && e.state) advice.unshift("The board's flash was changed: " + e.state);
  $("error-advice").replaceChildren(...advice.map((a) => Object.assign(document.createElement("li"), { textContent: a })));
  $("error").hidden = false;
  $("error").dataset.kind = kind;
  $("error").scrollIntoView({ block: "nearest" });
}
function clearError() { $("error").hidden = true; delete $("error").dataset.kind; }

// ---- the firmware file

async function readFile(file) {
  state.name = file.name;
  state.bytes = new Uint8Array(await file.arrayBuffer());
  await inspect();
}

async function inspect() {
  if (!state.bytes || !window.softdfu) return; // start() inspects once the engine is there
  clearError();
  state.image = null;
  $("drop").classList.remove("loaded");
  try {
    state.image = await softdfu.inspect(state.name, state.bytes, $("address").value);
  } catch (e) {
    $("address-row").hidden = !/\.(bin|dfu)$/i.test(state.name) && !/address/i.test(e.message || "");
    $("file-info").hidden = true;
    showError("This file cannot be flashed", e);
    updatePlan();
    return;
  }
  const img = state.image;
  $("drop").classList.add("loaded");
  $("drop").querySelector(".drop-main").textContent = state.name;
  $("drop").querySelector(".drop-sub").textContent = "drop another file to replace it";
  $("address-row").hidden = !img.raw;
  const segs = img.segments.map((s) => s.address + " (" + kb(s.size) + (s.alt ? ", alt " + s.alt : "") + ")").join(", ");
  facts($("file-info"), [["format", img.format], ["size", kb(img.size)], ["at", segs],
    ["vector table", img.stack ? "stack " + img.stack + ", reset " + img.reset : ""]]);
  updatePlan();
}

// ---- the board

async function connect() {
  clearError();
  let dev;
  try {
    dev = await navigator.usb.requestDevice({ filters: softdfu.usbFilters });
  } catch (e) {
    if (e.name === "NotFoundError") return; // the user closed the chooser
    showError("The browser did not give access to a board", { message: e.name + ": " + e.message, kind: "permission" });
    return;
  }
  $("connect").classList.remove("pulse");
  try {
    setBoard(await softdfu.board(dev));
  } catch (e) {
    showError("Cannot read the board", e);
  }
}

function setBoard(b) {
  state.board = b;
  state.plan = null;
  $("entry").hidden = true;
  $("board-info").hidden = false;
  facts($("board-facts"), [["device", (b.product || "USB device") + " (" + b.id + ")"], ["serial", b.serial],
    ["mode", b.dfu ? "ROM bootloader (DFU)" : "application"], ["part", b.part || (b.dfu ? "not a known STM32 layout" : "")],
    ["RAM", b.ram.join(", ")]]);
  $("app-actions").hidden = b.dfu || !b.methods.includes("detach");
  const mem = $("memories");
  mem.replaceChildren();
  for (const m of b.memories) {
    const div = document.createElement("div");
    div.className = "memory";
    const total = m.sectors.reduce((n, s) => n + s.size, 0);
    div.innerHTML = "<h3></h3>";
    div.querySelector("h3").append(m.name + " ", Object.assign(document.createElement("small"), { textContent: (m.sectors.length ? m.sectors[0].address + " · " : "") + m.sectors.length + " sector(s) · " + kb(total) + " · alt " + m.alt }));
    if (m.alt === 0) div.append(sectorRow(m.sectors.map((s) => ({ ...s, action: "-" }))));
    mem.append(div);
  }
  $("board-hint").textContent = b.dfu ? "Connected. Another board? Put it in its bootloader and click Connect bootloader again."
    : b.methods.includes("detach") ? "This board runs its application. Restart it into its bootloader, then connect the bootloader."
    : "This board runs its application: hold BOOT0 and press reset, or use the serial button.";
  updatePlan();
}

function sectorRow(sectors) {
  const row = document.createElement("div");
  row.className = "sectors";
  for (const s of sectors) {
    const d = document.createElement("div");
    d.className = "sector a-" + (s.action === "-" ? "none" : s.action.replace("+", "-"));
    if (!s.flags.includes("w")) d.classList.add("ro");
    d.title = s.address + ", " + kb(s.size) + (s.action !== "-" ? ": " + s.action : "");
    d.innerHTML = "<b></b><span></span>";
    d.querySelector("b").textContent = "#" + s.index;
    d.querySelector("span").textContent = kb(s.size).replace(" ", "");
    row.append(d);
  }
  return row;
}

async function serialEntry() {
  clearError();
  let port;
  try {
    port = await navigator.serial.requestPort({ filters: softdfu.serialFilters });
  } catch (e) {
    if (e.name === "NotFoundError") return;
    showError("The browser did not give access to a serial port", { message: e.name + ": " + e.message, kind: "permission" });
    return;
  }
  await entered(softdfu.enterSerial(port), "Asking the board for its bootloader over the serial port…");
}

async function entered(promise, doing) {
  const box = $("entry");
  box.hidden = false;
  box.textContent = doing;
  try {
    const r = await promise;
    box.replaceChildren();
    const how = { repl: "through the CircuitPython REPL", "raw-repl": "through MicroPython's raw REPL", "1200bps": "with the 1200-baud touch", detach: "with DFU_DETACH" }[r.method] || r.method;
    const strong = Object.assign(document.createElement("strong"), { textContent: "The board is restarting into its ROM bootloader (asked " + how + "). " });
    box.append(strong, "Your browser grants a new device only on a click: click ");
    box.append(Object.assign(document.createElement("em"), { textContent: "Connect bootloader" }));
    box.append(" and pick " + (r.serial ? "STM32 BOOTLOADER with serial " + r.serial : "STM32 BOOTLOADER") + ".");
    $("connect").classList.add("pulse");
    $("board-info").hidden = true;
    state.board = null;
    updatePlan();
  } catch (e) {
    box.hidden = true;
    showError("The board did not restart into its bootloader", e);
  }
}

// ---- plan and flash

function options() {
  return { noKeep: !$("opt-keep").checked, noVerify: !$("opt-verify").checked, rewrite: $("opt-rewrite").checked, noLeave: !$("opt-leave").checked };
}

let planSeq = 0;
async function updatePlan() {
  const ready = state.image && state.board && state.board.dfu;
  $("flash").disabled = true;
  $("plan").hidden = true;
  $("plan-hint").hidden = false;
  if (!ready || state.busy) return;
  $("progress").hidden = true;
  $("result").hidden = true;
  const seq = ++planSeq;
  $("plan-hint").textContent = "Reading the board to plan…";
  try {
    const p = await softdfu.plan(options());
    if (seq !== planSeq) return;
    showPlan(p);
    $("plan-hint").hidden = true;
    $("flash").disabled = false;
  } catch (e) {
    if (seq !== planSeq) return;
    $("plan-hint").textContent = "No plan: see the message below.";
    showError(e.kind === "guard" ? "Refused before touching the board" : "Cannot plan this update", e);
  }
}

function showPlan(p) {
  state.plan = p;
  const map = $("sector-map");
  map.replaceChildren(...sectorRow(p.sectors).children);
  const skipped = p.sectors.filter((s) => s.action === "unchanged").length;
  const parts = [p.erase + " sector(s) to erase", kb(p.writeBytes) + " to write"];
  if (skipped) parts.push(skipped + " unchanged sector(s) skipped");
  parts.push(p.verify ? "verified after writing" : "not verified");
  if (p.estimateMs > 0) parts.push("about " + (p.estimateMs / 1000).toFixed(1) + " s");
  $("plan-summary").textContent = parts.join(" · ");
  $("plan-notes").replaceChildren(...p.notes.map((n) => Object.assign(document.createElement("li"), { textContent: n })));
  $("plan").hidden = false;
}

const bars = () => document.querySelectorAll("#progress .bar");
function resetBars() {
  for (const b of bars()) { b.classList.remove("done"); b.querySelector("progress").value = 0; b.querySelector("em").textContent = ""; }
}
function bar(phase) { return document.querySelector('#progress .bar[data-phase="' + phase + '"]'); }
let current = "";
function onEvent(ev) {
  const name = ev.phase === "wait-app" ? "leave" : ev.phase;
  const b = bar(name);
  if (ev.kind === "phase") {
    if (current && current !== name) finish(current);
    current = name;
  }
  if (!b) return;
  const p = b.querySelector("progress");
  if (ev.kind === "progress" && ev.total > 0) {
    p.max = ev.total; p.value = ev.done;
    b.querySelector("em").textContent = name === "erase" ? ev.done + " / " + ev.total + " sectors" : kb(ev.done) + " / " + kb(ev.total);
  }
}
function finish(phase) {
  const b = bar(phase);
  if (!b) return;
  const p = b.querySelector("progress");
  if (p.value < p.max || p.max === 1) { p.max = 1; p.value = 1; }
  if (!b.querySelector("em").textContent) b.querySelector("em").textContent = "done";
  b.classList.add("done");
}

async function flash() {
  clearError();
  state.busy = true;
  $("flash").disabled = true;
  $("result").hidden = true;
  $("progress").hidden = false;
  resetBars();
  current = "";
  try {
    const r = await softdfu.flash(options(), onEvent);
    state.result = r;
    for (const ph of ["survey", "erase", "write", "verify", "leave"]) {
      if (ph === "verify" && !r.plan.verify) { bar(ph).querySelector("em").textContent = "skipped"; continue; }
      if (ph === "leave" && !r.left) { bar(ph).querySelector("em").textContent = "stayed in the bootloader"; continue; }
      finish(ph);
    }
    const res = $("result");
    const lines = [];
    lines.push(r.written ? "Wrote " + kb(r.written) + " in " + r.erased + " erased sector(s)" : "Nothing to write: the board already holds this file");
    if (r.plan.verify) lines.push("verified " + kb(r.verified) + ": the flash matches the file");
    lines.push(r.left ? "the board left the bootloader and starts the application" + (r.app ? " (" + r.app + ")" : "") : "the board stays in the bootloader");
    res.textContent = "✓ " + lines.join("; ") + ". (" + (r.millis / 1000).toFixed(1) + " s, " + r.transfers + " USB requests)";
    res.hidden = false;
    state.board = r.left ? null : state.board;
    if (r.left) { $("board-hint").textContent = "Flash another board: put it in its bootloader and connect it."; $("board-info").hidden = true; }
  } catch (e) {
    showError(e.kind === "guard" ? "Refused before touching the board" : "Flashing failed", e);
  } finally {
    state.busy = false;
    $("flash").disabled = !(state.image && state.board && state.board.dfu);
  }
}

// ---- wiring

function wire() {
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) readFile(e.dataTransfer.files[0]);
  });
  $("file").addEventListener("change", (e) => { if (e.target.files.length) readFile(e.target.files[0]); });
  $("address").addEventListener("change", inspect);
  $("connect").addEventListener("click", connect);
  $("serial").addEventListener("click", serialEntry);
  $("detach").addEventListener("click", () => entered(softdfu.detach(), "Sending DFU_DETACH…"));
  $("flash").addEventListener("click", flash);
  for (const id of ["opt-keep", "opt-verify", "opt-rewrite"]) $(id).addEventListener("change", updatePlan);
}

async function start() {
  wire();
  if (!navigator.usb) {
    $("unsupported").hidden = false;
    $("unsupported").textContent = "This browser has no WebUSB: open this page in Chrome, Edge or Opera, over https or on localhost.";
  }
  const go = new Go();
  const ready = new Promise((resolve) => { window.softdfuReady = resolve; });
  try {
    const { instance } = await WebAssembly.instantiateStreaming(fetch(ENGINE_URL), go.importObject);
    go.run(instance);
    await ready;
  } catch (e) {
    showError("The engine did not load", { message: String(e), kind: "other" });
    return;
  }
  $("version").textContent = softdfu.version;
  $("connect").disabled = !navigator.usb;
  $("serial").disabled = !navigator.serial;
  document.body.dataset.ready = "1";
  inspect();
}

start();
