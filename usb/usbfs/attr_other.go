//go:build !linux

package usbfs

import "os"

// readAttr reads a file of a sysfs tree (on other systems, only the tests'
// fixture trees).
func readAttr(path string) ([]byte, error) { return os.ReadFile(path) }
