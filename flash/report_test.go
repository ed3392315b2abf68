package flash

import (
	"testing"
	"time"
)

func TestResultTimes(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{Result{}, "times: erase 0s, write 0s"},
		{Result{Written: 40000, EraseTime: 300 * time.Millisecond, WriteTime: time.Second}, "times: erase 300ms, write 1s (39.1 KiB/s)"},
		{Result{Written: 3 << 20, Verified: 100, WriteTime: time.Second, VerifyTime: time.Second}, "times: erase 0s, write 1s (3.0 MiB/s), verify 1s (100 B/s)"},
	} {
		if got := c.r.Times(); got != c.want {
			t.Errorf("Times() = %q, want %q", got, c.want)
		}
	}
}
