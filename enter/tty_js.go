//go:build js

package enter

import "errors"

// OpenTTY fails in a browser, which has no serial devices by name: a web
// page opens a port with Web Serial (package enter/webserial) and calls
// RequestPort.
func OpenTTY(name string) (Port, error) {
	return nil, errors.New("enter: " + name + ": a browser opens serial ports with Web Serial, not by name")
}
