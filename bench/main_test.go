package bench_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The cases run boards in parallel and sample the heap: nothing may outlive
// a case.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
