package dfu

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/usb"
)

// DfuSe command bytes (first byte of a DNLOAD with block number 0).
const (
	CmdGetCommands   = 0x00
	CmdSetAddress    = 0x21
	CmdErase         = 0x41
	CmdReadUnprotect = 0x92
)

// firstDataBlock is the block number of the first data block after Set
// Address: data block n sits at pointer + (n-2) * wTransferSize.
const firstDataBlock = 2

func (c *Conn) needDfuSe(op string) error {
	if !c.iface.Functional.DfuSe() {
		return fmt.Errorf("dfu: %s needs a DfuSe device (bcdDFUVersion 0x011a); this one is version 0x%04x", op, c.iface.Functional.Version)
	}
	return nil
}

// command sends a DfuSe command and polls until it is done.
func (c *Conn) command(ctx context.Context, op string, payload []byte, limit time.Duration) error {
	if err := c.needDfuSe(op); err != nil {
		return err
	}
	if err := c.ready(ctx, false); err != nil {
		return err
	}
	queued, err := c.downloadPolled(ctx, 0, payload, limit)
	if err != nil {
		return fmt.Errorf("dfu: %s: %w", op, err)
	}
	_, err = c.poll(ctx, opName(op), limit, queued)
	return err
}

func addrCmd(cmd byte, addr uint32) []byte {
	b := []byte{cmd, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[1:], addr)
	return b
}

// SetAddress sets the DfuSe address pointer: the address of data block 2.
// An address outside the memory gives dfuERROR/errTARGET. When the Conn
// knows the pointer is at addr already it sends nothing (see pointAt).
func (c *Conn) SetAddress(ctx context.Context, addr uint32) error {
	if c.ptrKnown && c.ptr == addr {
		return nil
	}
	err := c.command(ctx, fmt.Sprintf("set address 0x%08x", addr), addrCmd(CmdSetAddress, addr), c.opts.ProgramTimeout)
	if err == nil {
		c.ptr, c.ptrKnown = addr, true
	}
	return err
}

// pointAt returns the block number at which nb blocks at addr start,
// sending a Set Address only when the pointer the Conn knows cannot reach
// addr with 16-bit block numbers. The pointer is known only after a Set
// Address of this Conn, and only while nothing but data blocks, GETSTATUS
// and ABORT followed: AN3156 gives every data block's address as
// pointer + (wBlockNum - 2) x wTransferSize, for DNLOAD and UPLOAD alike
// (so data blocks leave the pointer alone), and dfu-util reads after a Set
// Address and an ABORT (so ABORT leaves it alone). Every DfuSe command (an
// erase too: ST's DFU device class moves the pointer there, but no public
// source says the ROM does), an error, CLRSTATUS or another alternate
// setting makes it unknown.
func (c *Conn) pointAt(ctx context.Context, addr uint32, nb int) (uint16, error) {
	xfer := uint32(c.iface.Functional.TransferSize)
	if c.ptrKnown && addr >= c.ptr && (addr-c.ptr)%xfer == 0 {
		if first := uint64(firstDataBlock) + uint64((addr-c.ptr)/xfer); first+uint64(nb)-1 <= 0xffff {
			return uint16(first), nil
		}
	}
	c.ptrKnown = false
	if err := c.SetAddress(ctx, addr); err != nil {
		return 0, err
	}
	return firstDataBlock, nil
}

// Erase erases the page or sector that contains addr (bounded by
// Options.EraseTimeout). Under read protection the ROM answers
// dfuERROR/errVENDOR.
func (c *Conn) Erase(ctx context.Context, addr uint32) error {
	c.erasing = true
	defer func() { c.erasing = false }()
	return c.command(ctx, fmt.Sprintf("erase sector at 0x%08x", addr), addrCmd(CmdErase, addr), c.opts.EraseTimeout)
}

// MassErase erases the whole flash (bounded by Options.MassEraseTimeout).
func (c *Conn) MassErase(ctx context.Context) error {
	return c.command(ctx, "mass erase", []byte{CmdErase}, c.opts.MassEraseTimeout)
}

// ReadUnprotect removes read protection: the ROM mass-erases the flash,
// sets RDP level 0 and resets the chip. The device leaving the bus is the
// expected outcome and returns nil; open the device again afterwards.
func (c *Conn) ReadUnprotect(ctx context.Context) error {
	const op = "read unprotect"
	err := c.command(ctx, op, []byte{CmdReadUnprotect}, c.opts.MassEraseTimeout)
	c.known = false
	if err == nil || gone(err) {
		return nil
	}
	return err
}

// gone reports whether err means the device left the bus (or stopped
// answering) as it does when it resets.
func gone(err error) bool {
	return errors.Is(err, usb.ErrGone) || errors.Is(err, usb.ErrTimeout)
}

// GetCommands asks a DfuSe device which commands it supports (UPLOAD block
// 0); the STM32 ROM answers 00 21 41 92.
func (c *Conn) GetCommands(ctx context.Context) ([]byte, error) {
	if err := c.needDfuSe("get commands"); err != nil {
		return nil, err
	}
	if err := c.ready(ctx, true); err != nil {
		return nil, err
	}
	buf := make([]byte, c.iface.Functional.TransferSize)
	n, err := c.UploadBlock(ctx, 0, buf)
	if err != nil {
		return nil, c.explain(ctx, "get commands", err)
	}
	return buf[:n], nil
}

// explain turns a refused request into a *StatusError when the device can
// say why (GETSTATUS), keeping the transport error inside. A device that
// refused a request and says dfuDNBUSY is stuck (ErrStuck): nothing it
// was asked to do is pending.
func (c *Conn) explain(ctx context.Context, op string, err error) error {
	if !errors.Is(err, usb.ErrStall) {
		return err
	}
	st, serr := c.GetStatus(ctx)
	if serr != nil {
		return err
	}
	if st.State == StateDnbusy {
		return &StatusError{Op: op, State: st.State, Status: st.Status, Err: fmt.Errorf("%w; it stalled the request (%w)", ErrStuck, usb.ErrStall)}
	}
	return &StatusError{Op: op, State: st.State, Status: st.Status, Err: err}
}

// explainStuck is explain for a refused standard request (selecting an
// alternate setting, reading a string): only a stuck device turns it into
// a *StatusError; any other answer keeps err as it is.
func (c *Conn) explainStuck(ctx context.Context, op string, err error) error {
	if !errors.Is(err, usb.ErrStall) {
		return err
	}
	var se *StatusError
	if e := c.explain(ctx, op, err); errors.As(e, &se) && errors.Is(se, ErrStuck) {
		return e
	}
	return err
}

// blocks checks that n bytes at addr fit the address space and the 16-bit
// block numbers and returns the number of blocks.
func (c *Conn) blocks(op string, addr uint32, n int) (int, error) {
	xfer := int(c.iface.Functional.TransferSize)
	nb := (n + xfer - 1) / xfer
	if uint64(addr)+uint64(n) > 1<<32 {
		return 0, fmt.Errorf("dfu: %s: %d bytes at 0x%08x run past the end of the 32-bit address space", op, n, addr)
	}
	if nb > 0xffff-firstDataBlock+1 {
		return 0, fmt.Errorf("dfu: %s: %d bytes need %d blocks of %d, more than 16-bit block numbers allow; split the transfer", op, n, nb, xfer)
	}
	return nb, nil
}

// Download writes data at addr: one Set Address (none when the pointer is
// known to reach addr, see pointAt), then consecutive blocks 2, 3, ... of
// wTransferSize bytes (the last one shorter), each followed by GETSTATUS
// polls until programmed (bounded by Options.ProgramTimeout).
// The flash must have been erased. progress, if not nil, gets the bytes
// written so far after each block. Downloading nothing does nothing (a
// zero-length DNLOAD would end the session).
func (c *Conn) Download(ctx context.Context, addr uint32, data []byte, progress func(done int)) error {
	if len(data) == 0 {
		return nil
	}
	nb, err := c.blocks("download", addr, len(data))
	if err != nil {
		return err
	}
	first, err := c.pointAt(ctx, addr, nb)
	if err != nil {
		return err
	}
	if err := c.ready(ctx, false); err != nil {
		return err
	}
	xfer := int(c.iface.Functional.TransferSize)
	for i := range nb {
		chunk := data[i*xfer : min((i+1)*xfer, len(data))]
		block := first + uint16(i)
		c.block = blockOp{verb: "write", block: block, n: len(chunk), addr: addr + uint32(i*xfer)}
		if err := ctx.Err(); err != nil {
			return err // stopped between two blocks: the next is not sent
		}
		queued, err := c.downloadPolled(ctx, block, chunk, c.opts.ProgramTimeout)
		if err != nil {
			return fmt.Errorf("dfu: %s: %w", c.block.String(), err)
		}
		if _, err := c.poll(ctx, &c.block, c.opts.ProgramTimeout, queued); err != nil {
			c.ptrKnown = false
			return err
		}
		if progress != nil {
			progress(i*xfer + len(chunk))
		}
	}
	return nil
}

// Upload reads n bytes from addr: one Set Address (none when the pointer
// is known to reach addr, see pointAt), ABORT (none when addr continues
// the previous Upload), then UPLOAD blocks 2, 3, ... of wTransferSize
// bytes (the last request shorter).
// progress, if not nil, gets the bytes read so far after each block. Under
// read protection the ROM refuses with dfuERROR/errVENDOR.
func (c *Conn) Upload(ctx context.Context, addr uint32, n int, progress func(done int)) ([]byte, error) {
	if n <= 0 {
		return []byte{}, nil
	}
	out := make([]byte, n)
	done := 0
	if q, ok := c.dev.(usb.ControlQueuer); ok && !c.opts.NoQueue && n > int(c.iface.Functional.TransferSize) {
		var err error
		done, err = c.readQueued(ctx, q, addr, out, progress)
		switch {
		case err == nil:
			return out, nil
		case ctx.Err() != nil:
			return nil, err
		}
		// The requests queued behind the failed block reached the device
		// in the state that failure left, and its status now tells of
		// them: read on block by block, which fails with the device's own
		// answer unless the failure was passing. It starts a block early
		// (one that was read) so that its Set Address is one the device
		// takes even when the failed block lies past the end of memory.
		done = max(done-int(c.iface.Functional.TransferSize), 0)
	}
	err := c.readBlocks(ctx, addr+uint32(done), out[done:], func(d int) {
		if progress != nil {
			progress(done + d)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// startUpload points the device at addr for reading nb blocks and returns
// the first block's number.
func (c *Conn) startUpload(ctx context.Context, addr uint32, nb int) (uint16, error) {
	first, err := c.pointAt(ctx, addr, nb)
	if err != nil {
		return 0, err
	}
	// Reading on from the block after the last full one continues the
	// upload as dfu-util does (no ABORT); anything else starts anew.
	if !c.known || c.state != StateUploadIdle || c.nextUp != first {
		if err := c.ready(ctx, true); err != nil {
			return 0, err
		}
	}
	return first, nil
}

// readBlocks fills out from addr one UPLOAD at a time.
func (c *Conn) readBlocks(ctx context.Context, addr uint32, out []byte, progress func(done int)) error {
	nb, err := c.blocks("upload", addr, len(out))
	if err != nil {
		return err
	}
	first, err := c.startUpload(ctx, addr, nb)
	if err != nil {
		return err
	}
	xfer := int(c.iface.Functional.TransferSize)
	for i := range nb {
		buf := out[i*xfer : min((i+1)*xfer, len(out))]
		block := first + uint16(i)
		if err := ctx.Err(); err != nil {
			return err
		}
		got, err := c.UploadBlock(ctx, block, buf)
		if err != nil || got != len(buf) {
			c.ptrKnown = false
			return c.blockError(ctx, block, addr+uint32(i*xfer), len(buf), got, err)
		}
		progress(i*xfer + got)
	}
	return nil
}

// Leave ends the DFU session and starts the application: an optional Set
// Address (the vector table to jump to), a zero-length DNLOAD and a
// GETSTATUS. The device leaving the bus or not answering at that point, or
// answering dfuMANIFEST, is success: confirm by seeing the application
// appear. Open the device again for anything else.
func (c *Conn) Leave(ctx context.Context, addr *uint32) error {
	c.leftBus = false
	if addr != nil {
		if err := c.SetAddress(ctx, *addr); err != nil {
			return err
		}
	}
	if err := c.ready(ctx, false); err != nil {
		return err
	}
	c.known = false
	// dfu-util sends block number 2 here; the ROM ignores it.
	if err := c.DownloadBlock(ctx, firstDataBlock, nil); err != nil {
		if gone(err) {
			c.leftBus = errors.Is(err, usb.ErrGone)
			return nil
		}
		return c.explain(ctx, "leave", err)
	}
	st, err := c.GetStatus(ctx)
	if err != nil {
		if gone(err) {
			c.leftBus = errors.Is(err, usb.ErrGone)
			return nil
		}
		return fmt.Errorf("dfu: leave: %w", err)
	}
	switch st.State {
	case StateManifestSync, StateManifest, StateManifestWaitReset:
		if st.Status == OK {
			return nil
		}
	}
	return &StatusError{Op: "leave", State: st.State, Status: st.Status}
}

// LeftBus reports whether the device dropped off the bus during the last
// Leave, as the ROM does when it starts the application: the host saw it
// go (a timeout is not counted).
func (c *Conn) LeftBus() bool { return c.leftBus }

// WriteOptionBytes writes data at addr on the selected alternate setting
// (DfuSe: alt 1, "Option Bytes"). The ROM resets the chip after an
// option-byte write: reset is true when the device left the bus, which is
// the expected outcome, not an error; open the device again afterwards.
//
// WriteOptionBytes writes what it is given: the chip database (package
// part, Chip.CheckOptionWrite) tells whether a block would lock the chip
// for good, and its callers check before.
func (c *Conn) WriteOptionBytes(ctx context.Context, addr uint32, data []byte) (reset bool, err error) {
	if len(c.layout.Regions) > 0 && !c.layout.Inside(addr, uint64(len(data)), Writable) {
		return false, fmt.Errorf("dfu: option bytes: %d bytes at 0x%08x are not inside the writable map of alternate setting %d, %s; select the option-byte alternate setting", len(data), addr, c.alt, c.layout.Describe(Writable))
	}
	err = c.Download(ctx, addr, data, nil)
	if err != nil && gone(err) {
		c.known = false
		return true, nil
	}
	return false, err
}
