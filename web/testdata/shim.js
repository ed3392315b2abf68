// Test-only stand-ins for navigator.usb and navigator.serial with the
// WebUSB and Web Serial method shapes. Every call goes over a WebSocket to
// the test, which runs it on a simulated board (web/bridge_test.go).
// Like a browser, the shim lists only devices the page was granted, and
// grants one only from requestDevice / requestPort during a user gesture.
"use strict";
(() => {
  const ws = new WebSocket("ws://" + location.host + "/test/ws");
  const opened = new Promise((resolve) => ws.addEventListener("open", resolve));
  const pending = new Map();
  let seq = 0;
  window.shimRequests = 0;
  ws.addEventListener("message", (ev) => {
    const m = JSON.parse(ev.data);
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) {
      const i = m.error.indexOf(": ");
      p.reject(new DOMException(m.error.slice(i + 2), m.error.slice(0, i)));
    } else p.resolve(m.result);
  });
  async function rpc(msg) {
    await opened;
    msg.id = ++seq;
    window.shimRequests++;
    return new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve, reject });
      ws.send(JSON.stringify(msg));
    });
  }
  const b64 = (u8) => { let s = ""; for (const b of u8) s += String.fromCharCode(b); return btoa(s); };
  const unb64 = (s) => Uint8Array.from(atob(s || ""), (c) => c.charCodeAt(0));
  const bytesOf = (d) => d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const granted = new Set();
  const key = (d) => d.vendorId + ":" + d.productId + ":" + d.serialNumber;
  const gesture = () => {
    if (!navigator.userActivation.isActive) throw new DOMException("Must be handling a user gesture to show a permission request.", "SecurityError");
  };
  const matches = (d, filters, v, p) => filters.length === 0 || filters.some((f) =>
    (f[v] === undefined || f[v] === d.vendorId) && (f[p] === undefined || f[p] === d.productId));

  class USBDevice {
    constructor(d) {
      Object.assign(this, { vendorId: d.vendorId, productId: d.productId, serialNumber: d.serialNumber, productName: d.productName, manufacturerName: d.manufacturerName });
      this.handle = d.handle; this.opened = false; this.configuration = null;
      this.configurations = [{ configurationValue: 1, interfaces: [] }];
    }
    async open() {
      // window.shimDeny plays a system that does not let the browser open
      // the device (no udev rule on Linux, no WinUSB driver on Windows).
      if (window.shimDeny) throw new DOMException("Access denied.", "SecurityError");
      await rpc({ op: "open", dev: this.handle });
      this.opened = true;
    }
    async close() { await rpc({ op: "close", dev: this.handle }); this.opened = false; }
    async selectConfiguration(n) { this.configuration = this.configurations.find((c) => c.configurationValue === n); }
    async claimInterface(n) { await rpc({ op: "claim", dev: this.handle, n }); }
    async releaseInterface(n) { await rpc({ op: "release", dev: this.handle, n }); }
    async selectAlternateInterface(n, alt) { await rpc({ op: "alt", dev: this.handle, n, alt }); }
    async controlTransferIn(setup, length) {
      const r = await rpc({ op: "controlIn", dev: this.handle, setup, length });
      return { status: r.status, data: r.status === "ok" ? new DataView(unb64(r.data).buffer) : undefined };
    }
    async controlTransferOut(setup, data) {
      const msg = { op: "controlOut", dev: this.handle, setup };
      if (data !== undefined) msg.data = b64(bytesOf(data));
      return rpc(msg);
    }
    async transferIn() { throw new DOMException("bulk transfers are not simulated", "NotSupportedError"); }
    async transferOut() { throw new DOMException("bulk transfers are not simulated", "NotSupportedError"); }
  }

  const usbObjects = new Map(); // one object per enumeration, as a browser keeps them
  const usbObject = (d) => { if (!usbObjects.has(d.handle)) usbObjects.set(d.handle, new USBDevice(d)); return usbObjects.get(d.handle); };
  const usb = {
    async getDevices() {
      const list = await rpc({ op: "list" });
      return list.filter((d) => granted.has(key(d))).map(usbObject);
    },
    async requestDevice({ filters }) {
      gesture();
      const list = await rpc({ op: "list" });
      const d = list.find((d) => matches(d, filters, "vendorId", "productId"));
      if (!d) throw new DOMException("No device selected.", "NotFoundError");
      granted.add(key(d));
      return usbObject(d);
    },
    addEventListener() {}, removeEventListener() {},
  };

  class SerialPort {
    constructor(d) { this.handle = d.handle; this.info = { usbVendorId: d.vendorId, usbProductId: d.productId }; this.readable = null; this.writable = null; }
    getInfo() { return this.info; }
    async open({ baudRate }) {
      await rpc({ op: "serialOpen", dev: this.handle, baud: baudRate });
      let closed = false;
      this.stop = () => { closed = true; };
      this.readable = new ReadableStream({
        pull: async (ctrl) => {
          while (!closed) {
            let r;
            try { r = await rpc({ op: "serialRead", dev: this.handle }); } catch (e) { closed = true; break; }
            const data = unb64(r.data);
            if (data.length && !closed) { ctrl.enqueue(data); return; }
          }
          try { ctrl.close(); } catch (e) { /* cancelled */ }
        },
        cancel: () => { closed = true; },
      });
      this.writable = new WritableStream({ write: (chunk) => rpc({ op: "serialWrite", dev: this.handle, data: b64(bytesOf(chunk)) }) });
    }
    async setSignals({ dataTerminalReady, requestToSend }) {
      await rpc({ op: "serialSignals", dev: this.handle, dtr: !!dataTerminalReady, rts: !!requestToSend });
    }
    async close() {
      if (this.stop) this.stop();
      this.readable = this.writable = null;
      await rpc({ op: "serialClose", dev: this.handle }).catch(() => {});
    }
  }
  const portObjects = new Map();
  const portObject = (d) => { if (!portObjects.has(d.handle)) portObjects.set(d.handle, new SerialPort(d)); return portObjects.get(d.handle); };
  const serial = {
    async getPorts() {
      const list = await rpc({ op: "list" });
      return list.filter((d) => d.serial && granted.has("serial:" + key(d))).map(portObject);
    },
    async requestPort({ filters } = { filters: [] }) {
      gesture();
      const list = await rpc({ op: "list" });
      const d = list.find((d) => d.serial && matches(d, filters, "usbVendorId", "usbProductId"));
      if (!d) throw new DOMException("No port selected by the user.", "NotFoundError");
      granted.add("serial:" + key(d));
      return portObject(d);
    },
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(navigator, "usb", { value: usb, configurable: true });
  Object.defineProperty(navigator, "serial", { value: serial, configurable: true });
})();
