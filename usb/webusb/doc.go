// Package webusb is a usb.Host over a browser's WebUSB API
// (navigator.usb, https://wicg.github.io/webusb/), for programs built with
// GOOS=js GOARCH=wasm. The same dfu, flash and update code that drives a
// board through Linux usbfs drives it through the browser.
//
// A browser shows a page only the devices the user granted it
// (navigator.usb.requestDevice, which needs a click): Host.Devices lists
// those. Every promise is awaited on a parked goroutine, so the JavaScript
// event loop keeps running; call into this package from a goroutine, never
// from inside a JavaScript callback.
//
// WebUSB has no port paths. A device's Path is "web:" and its serial
// number (or its place in the list when it has none): the ROM bootloader
// keeps its serial number across resets, so a host that follows a board by
// its path finds it again after it re-enumerates.
package webusb
