//go:build !js

package enter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.bug.st/serial"
)

// ttyPort is a CDC-ACM function reached through the kernel's tty
// (/dev/ttyACM0 on Linux), when the USB backend reports one.
type ttyPort struct {
	name string
	p    serial.Port
}

// OpenTTY opens a serial device (for example /dev/ttyACM0) at 115200 baud
// with DTR and RTS raised, as a terminal program would.
func OpenTTY(name string) (Port, error) {
	p, err := serial.Open(name, &serial.Mode{BaudRate: 115200})
	if err != nil {
		return nil, fmt.Errorf("enter: opening %s: %w (is another program using it? are you in the dialout group?)", name, err)
	}
	return &ttyPort{name: name, p: p}, nil
}

func (t *ttyPort) Write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := t.p.Write(b)
	return err
}

// Read polls the tty in short slices so that ctx can end it.
func (t *ttyPort) Read(ctx context.Context, b []byte) (int, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		slice := 50 * time.Millisecond
		if dl, ok := ctx.Deadline(); ok {
			slice = max(time.Millisecond, min(slice, time.Until(dl)))
		}
		if err := t.p.SetReadTimeout(slice); err != nil {
			return 0, err
		}
		n, err := t.p.Read(b)
		if n > 0 || err != nil {
			return n, err
		}
	}
}

func (t *ttyPort) SetLineCoding(_ context.Context, baud uint32) error {
	return t.p.SetMode(&serial.Mode{BaudRate: int(baud)})
}

func (t *ttyPort) SetControlLines(_ context.Context, dtr, rts bool) error {
	return errors.Join(t.p.SetDTR(dtr), t.p.SetRTS(rts))
}

func (t *ttyPort) Close() error { return t.p.Close() }
