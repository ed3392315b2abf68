package usb

// Detached runs one transfer on a private copy of data, for backends whose
// calls cannot be interrupted: when the caller's context ends, such a
// backend returns at once while the system call finishes in the
// background, and it must not write into a buffer the caller has already
// reused. do gets the copy (holding data for an OUT transfer); for an IN
// transfer the bytes do read are copied into data when it returns without
// error.
func Detached(in bool, data []byte, do func(buf []byte) (int, error)) (int, error) {
	buf := make([]byte, len(data))
	if !in {
		copy(buf, data)
	}
	n, err := do(buf)
	if in && err == nil {
		copy(data, buf[:min(n, len(buf))])
	}
	return n, err
}
