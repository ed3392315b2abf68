package dfu

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// QueueDepth is how many UPLOAD requests Upload keeps queued on a device
// that can queue control transfers (usb.ControlQueuer). The device
// receives them one at a time, in order, exactly as it would without the
// queue: the content of one block never decides the request for the next,
// so nothing waits for an answer before asking the next block. What the
// queue saves is the time between two requests that the host spends
// getting an answer to the program and the next request back to the bus.
const QueueDepth = 8

// readQueued fills out from addr through q, QueueDepth UPLOADs at a
// time. It returns how many bytes it read before a failure; the requests
// queued behind a failed block are waited for and their answers dropped.
func (c *Conn) readQueued(ctx context.Context, q usb.ControlQueuer, addr uint32, out []byte, progress func(int)) (int, error) {
	nb, err := c.blocks("upload", addr, len(out))
	if err != nil {
		return 0, err
	}
	first, err := c.startUpload(ctx, addr, nb)
	if err != nil {
		return 0, err
	}
	xfer := int(c.iface.Functional.TransferSize)
	dl := deadlines{parent: ctx}
	defer dl.stop()
	c.known, c.nextUp = false, 0
	var waits []func() (int, error)
	var failed error
	started, done, failedAt := 0, 0, 0
	for ; done < nb; done++ {
		for failed == nil && started < nb && started-done < QueueDepth {
			if failed, failedAt = ctx.Err(), started; failed != nil {
				break
			}
			buf := out[started*xfer : min((started+1)*xfer, len(out))]
			w, err := c.queueUpload(dl.next(), q, first+uint16(started), buf)
			if failed = err; failed != nil {
				break
			}
			waits = append(waits, w)
			started++
		}
		if done == started {
			break
		}
		got, err := waits[0]()
		waits = waits[1:]
		want := min(xfer, len(out)-done*xfer)
		if failed == nil && (err != nil || got != want) {
			failed, failedAt = cmp.Or(err, errShort), done
		}
		if failed == nil && progress != nil {
			progress(done*xfer + got)
		}
	}
	if failed != nil {
		c.ptrKnown = false
		return failedAt * xfer, failed
	}
	c.state, c.known = StateUploadIdle, true
	if len(out)-(nb-1)*xfer == xfer {
		c.nextUp = first + uint16(nb)
	}
	return len(out), nil
}

// errShort is a block answered with fewer bytes than asked.
var errShort = errors.New("dfu: short block")

// queueUpload queues UPLOAD block into buf.
func (c *Conn) queueUpload(ctx context.Context, q usb.ControlQueuer, block uint16, buf []byte) (func() (int, error), error) {
	s := usb.ClassInterfaceIn(uint8(ReqUpload), block, uint16(c.iface.Number), len(buf))
	w, err := c.queue(ctx, q, ReqUpload, s, buf)
	if err != nil {
		return nil, err
	}
	return func() (int, error) {
		n, err := w()
		if err != nil {
			return n, fmt.Errorf("dfu: UPLOAD block %d: %w", block, err)
		}
		return n, nil
	}, nil
}

// queue starts request s with data on q, as control would send it; its
// wait logs the request and its answer.
func (c *Conn) queue(ctx context.Context, q usb.ControlQueuer, req Request, s usb.Setup, data []byte) (func() (int, error), error) {
	c.transfers++
	w, err := q.StartControl(ctx, s, data)
	if err != nil {
		c.ptrKnown = false
		c.logRequest(req, s, nil, 0, err, s.In())
		return nil, err
	}
	return func() (int, error) {
		n, err := w()
		if err != nil {
			c.ptrKnown = false
		}
		c.logRequest(req, s, data, n, err, s.In())
		return n, err
	}, nil
}

// downloadPolled sends DNLOAD block with data, as DownloadBlock does.
// Where the device can queue requests (and Options.NoQueue is off) the
// GETSTATUS that starts polling it (limit bounds that poll) goes out
// right behind it, and downloadPolled returns its wait for poll: the
// device receives the same two requests in the same order, without the
// round trip through the host and the program in between. A DNLOAD that
// fails returns its own error; the GETSTATUS behind it is waited for and
// its answer dropped (in dfuERROR a GETSTATUS changes nothing).
func (c *Conn) downloadPolled(ctx context.Context, block uint16, data []byte, limit time.Duration) (func() (int, error), error) {
	q, ok := c.dev.(usb.ControlQueuer)
	if !ok || c.opts.NoQueue {
		return nil, c.DownloadBlock(ctx, block, data)
	}
	c.beforeDnload(block, data)
	s := usb.ClassInterfaceOut(uint8(ReqDnload), block, uint16(c.iface.Number), len(data))
	dnload, err := c.queue(c.bounded(ctx, 0, requestTimeout), q, ReqDnload, s, data)
	if err != nil {
		return nil, fmt.Errorf("dfu: DNLOAD block %d: %w", block, err)
	}
	status, qerr := c.queue(c.queuedPollBound(ctx, limit), q, ReqGetStatus, usb.ClassInterfaceIn(uint8(ReqGetStatus), 0, uint16(c.iface.Number), StatusLen), c.status[:])
	if _, err := dnload(); err != nil {
		if qerr == nil {
			status()
		}
		return nil, fmt.Errorf("dfu: DNLOAD block %d: %w", block, err)
	}
	if qerr != nil {
		return nil, nil // poll sends its first GETSTATUS itself
	}
	return status, nil
}

// blockError says why reading a block failed: the device's error, or an
// answer shorter than the block.
func (c *Conn) blockError(ctx context.Context, block uint16, addr uint32, want, got int, err error) error {
	op := (&blockOp{verb: "read", block: block, n: want, addr: addr}).String()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.explain(ctx, op, err)
	}
	return fmt.Errorf("dfu: %s: the device sent %d bytes; the memory ends early or the device misbehaves", op, got)
}

// deadlines bounds queued requests as bounded does single ones, but
// cancels the contexts it made only when the whole queue is done, since a
// request made under one may still be queued when the next is made.
type deadlines struct {
	parent  context.Context
	cur     context.Context
	until   time.Time
	cancels []context.CancelFunc
}

// next returns a context ending between 3/4 and all of requestTimeout
// from now.
func (d *deadlines) next() context.Context {
	now := time.Now()
	if d.cur == nil || d.until.Sub(now) < requestTimeout*3/4 {
		ctx, cancel := context.WithDeadline(d.parent, now.Add(requestTimeout))
		d.cur, d.until = ctx, now.Add(requestTimeout)
		d.cancels = append(d.cancels, cancel)
	}
	return d.cur
}

// stop releases every context next made.
func (d *deadlines) stop() {
	for _, cancel := range d.cancels {
		cancel()
	}
}
