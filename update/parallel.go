package update

import (
	"errors"
	"fmt"
	"sync"
)

// BoardsError is the error of Each when some of its jobs failed.
type BoardsError struct {
	// Failed of Total jobs failed.
	Failed, Total int
	// Board names the first board (in the order given) that failed, and
	// Err is its error.
	Board string
	Err   error
}

func (e *BoardsError) Error() string {
	return fmt.Sprintf("%d of %d boards failed; first: %s: %v", e.Failed, e.Total, e.Board, e.Err)
}

// Unwrap returns the first failure's error.
func (e *BoardsError) Unwrap() error { return e.Err }

// Each runs job(i) for every board of boards (named by their port paths)
// at once, each in its own goroutine, and waits for all. It returns nil
// when every job succeeded, and a *BoardsError otherwise: a failed board
// does not stop the others.
func Each(boards []string, job func(i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(boards))
	for i := range boards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = job(i)
		}()
	}
	wg.Wait()
	var be *BoardsError
	for i, err := range errs {
		if err == nil {
			continue
		}
		if be == nil {
			be = &BoardsError{Total: len(boards), Board: boards[i], Err: err}
		}
		be.Failed++
	}
	if be == nil {
		return nil
	}
	return be
}

// Flashed says how many of n boards a run of Each that returned err got
// through: "3 of 4 boards flashed".
func Flashed(n int, err error) string {
	ok := n
	if be := (*BoardsError)(nil); errors.As(err, &be) {
		ok -= be.Failed
	}
	return fmt.Sprintf("%d of %d boards flashed", ok, n)
}
