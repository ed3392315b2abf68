// Package rawcall makes short blocking system calls that the Go scheduler
// does not see, for the waits of a USB transfer: a control ioctl of 1-20
// ms and a DFU poll of a few milliseconds.
//
// Made as an ordinary system call, a blocking call puts its P in the
// syscall state; the runtime's monitor thread takes the P away from a call
// that lasts over 10 ms and hands it to another thread, and a goroutine
// that parks in a timer instead idles every P, which puts the monitor to
// sleep until the next wake-up restarts it at its shortest interval. Each
// of these costs thread wake-ups and clock reads. On real hardware they
// are microseconds; in a VM without hardware acceleration, where every
// wake-up and clock read is emulated, they are milliseconds per request
// (docs/PERFORMANCE.md). A raw call keeps the P busy with its thread, so
// the scheduler does nothing around it.
//
// The cost of a raw call: its P runs nothing else until the call returns,
// and the garbage collector's stop-the-world phases wait for it. So a
// raw call is made only when it leaves at least one P for the rest of
// the program (at most GOMAXPROCS-1 raw calls at once, across the
// process: Take), and only for calls bounded to milliseconds by their
// own timeout (the caller's duty). Everything else, and every call when
// GOMAXPROCS is 1, is an ordinary system call.
package rawcall

import (
	"runtime"
	"sync/atomic"
	"time"
)

// MaxSleep is the longest wait Sleep makes as a raw call: longer waits
// (an erase) are rare and cancellable through a timer.
const MaxSleep = 25 * time.Millisecond

// inFlight counts raw calls in progress, across the process.
var inFlight atomic.Int32

// Take reserves a raw call if that leaves a P free for the rest of the
// program. The caller must call Give after the call when it returns true.
func Take() bool {
	limit := int32(runtime.GOMAXPROCS(0) - 1)
	if inFlight.Add(1) <= limit {
		return true
	}
	inFlight.Add(-1)
	return false
}

// Give releases a call reserved by Take, and yields the processor when
// raw calls have kept it for yieldAfter (see yield).
func Give() {
	inFlight.Add(-1)
	yield()
}

// yieldAfter is how long raw calls may keep a goroutine from the
// scheduler before Give yields.
const yieldAfter = 5 * time.Millisecond

// epoch is the start of the monotonic clock lastYield counts from.
var epoch = time.Now()

// lastYield is when Give last yielded, as time since epoch.
var lastYield atomic.Int64

// yield calls runtime.Gosched every yieldAfter. A goroutine that makes raw
// calls back to back never passes through the scheduler, and after 10 ms
// the runtime preempts it with a signal (asynchronous preemption); in the
// interop bench's VM that signal cost 5-25% of a flash
// (GODEBUG=asyncpreemptoff=1 measured it, docs/PERFORMANCE.md). Passing
// through the scheduler before then costs no signal.
func yield() {
	now := int64(time.Since(epoch))
	last := lastYield.Load()
	if now-last >= int64(yieldAfter) && lastYield.CompareAndSwap(last, now) {
		runtime.Gosched()
	}
}

// InFlight is the number of raw calls in progress (for tests).
func InFlight() int { return int(inFlight.Load()) }
