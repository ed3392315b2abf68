package usb

import (
	"context"
	"testing"
	"time"
)

// deadlineDevice answers GET_DESCRIPTOR(string) and records the deadline
// each request carried.
type deadlineDevice struct {
	Device
	left []time.Duration // time to the deadline; -1: none
}

func (d *deadlineDevice) Control(ctx context.Context, s Setup, data []byte) (int, error) {
	if dl, ok := ctx.Deadline(); ok {
		d.left = append(d.left, time.Until(dl))
	} else {
		d.left = append(d.left, -1)
	}
	return copy(data, []byte{6, DescString, 'o', 0, 'k', 0}), nil
}

func TestReadStringIsBounded(t *testing.T) {
	d := &deadlineDevice{}
	ctx, cancel := context.WithCancel(context.Background()) // cancellable, no deadline
	defer cancel()
	s, err := ReadString(ctx, d, 3)
	if err != nil || s != "ok" {
		t.Fatalf("ReadString = %q, %v", s, err)
	}
	if len(d.left) != 1 || d.left[0] <= 0 || d.left[0] > StandardRequestLimit {
		t.Fatalf("time to the request's deadline %v, want (0, %v]", d.left, StandardRequestLimit)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := ReadString(short, d, 3); err != nil {
		t.Fatal(err)
	}
	if d.left[1] > 100*time.Millisecond {
		t.Fatalf("an earlier deadline of the caller was lengthened to %v", d.left[1])
	}
}
