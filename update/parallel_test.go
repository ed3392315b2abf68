package update

import (
	"errors"
	"testing"
)

func TestEach(t *testing.T) {
	if err := Each([]string{"1-1", "1-2"}, func(int) error { return nil }); err != nil {
		t.Fatalf("all succeed: %v", err)
	}
	bad := errors.New("bad")
	err := Each([]string{"1-1", "1-2", "1-3"}, func(i int) error {
		if i == 0 {
			return nil
		}
		return bad
	})
	var be *BoardsError
	if !errors.As(err, &be) || be.Failed != 2 || be.Total != 3 || be.Board != "1-2" || !errors.Is(err, bad) {
		t.Fatalf("Each = %#v", err)
	}
	if want := "2 of 3 boards failed; first: 1-2: bad"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if got := Flashed(3, err); got != "1 of 3 boards flashed" {
		t.Errorf("Flashed = %q", got)
	}
	if got := Flashed(2, nil); got != "2 of 2 boards flashed" {
		t.Errorf("Flashed, none failed = %q", got)
	}
}
