// Package webserial is an enter.Port over a browser's Web Serial API
// (navigator.serial, https://wicg.github.io/serial/), for programs built
// with GOOS=js GOARCH=wasm: the CircuitPython and MicroPython REPL
// requests and the 1200-baud touch of package enter, sent from a web page.
package webserial
