//go:build !linux

package rawcall

import "time"

// Sleep reports false: raw sleeps are made on Linux only.
func Sleep(d time.Duration) bool { return false }
