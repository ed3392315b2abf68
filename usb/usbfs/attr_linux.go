//go:build linux

package usbfs

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// readAttr reads a sysfs attribute with open, read until end of file (two
// reads for a text attribute: its content, then 0) and close. os.ReadFile
// also registers the file with the runtime's poller, which accepts sysfs
// files, takes it out again, and stats it: more calls per attribute,
// dozens of attributes per scan, which in a slow VM are a real part of the
// cost of listing boards and waiting for them.
func readAttr(path string) ([]byte, error) {
	fd, err := openAttr(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 512)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// openAttr opens path for reading, retrying on EINTR.
func openAttr(path string) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
