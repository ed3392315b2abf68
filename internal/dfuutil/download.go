package dfuutil

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/firmware/dfuse"
	"github.com/softdfu/softdfu/firmware/suffix"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/usb"
)

// download is dfu-util's DfuSe download: read unprotect, mass erase, then
// the raw file at -s ADDRESS or the elements of a .dfu file, then leave.
func (r *runner) download(ctx context.Context, conn *dfu.Conn, root found) error {
	d := r.dfuse
	if err := r.checkFileID(root); err != nil {
		return err
	}
	if d.Unprotect {
		if d.Force == 0 {
			return fail(ExUsage, "The read unprotect command will erase the flash memoryand can only be used with force\n")
		}
		if err := conn.ReadUnprotect(ctx); err != nil {
			return libErr(err)
		}
		r.printf("Device disconnects, erases flash and resets now\n")
		return nil
	}
	if d.MassErase {
		if d.Force == 0 {
			return fail(ExUsage, "The mass erase command can only be used with force")
		}
		r.printf("Performing mass erase, this can take a moment\n")
		if err := conn.MassErase(ctx); err != nil {
			return libErr(err)
		}
	}
	var err error
	switch {
	case r.file == nil:
		r.printf("DfuSe command mode\n")
	case d.HasAddress:
		if r.file.BCDDFU == dfu.VersionDfuSe {
			return fail(ExUsage, "This is a DfuSe file, not meant for raw download")
		}
		r.printf("Downloading element to address = 0x%08x, size = %d\n", d.Address, len(r.file.Data))
		err = r.element(ctx, conn, d.Address, r.file.Data)
		if err == nil {
			r.printf("File downloaded successfully\n")
		}
	default:
		if r.file.BCDDFU != dfu.VersionDfuSe {
			r.warnf("Only DfuSe file version 1.1a is supported")
			return fail(ExUsage, "(for raw binary download, use the --dfuse-address option)")
		}
		err = r.dfuseFile(ctx, conn)
	}
	if err != nil {
		return err
	}
	if !d.WillReset {
		if err := conn.Recover(ctx); err != nil {
			return libErr(err)
		}
	}
	if d.Leave {
		return r.leave(ctx, conn)
	}
	return nil
}

// checkFileID is dfu-util's check of the IDs in a DFU suffix against the
// run-time and DFU-mode IDs of the board.
func (r *runner) checkFileID(root found) error {
	f := r.file
	if f == nil {
		return nil
	}
	rv, rp := r.runtimeVendor, r.runtimeProduct
	if !r.detached {
		rv, rp = root.Vendor, root.Product
		if r.a.Vendor >= 0 {
			rv = r.a.Vendor
		}
		if r.a.Product >= 0 {
			rp = r.a.Product
		}
	}
	differs := func(want, have int) bool { return want != 0xffff && want != have }
	if (differs(f.Vendor, rv) || differs(f.Product, rp)) && (differs(f.Vendor, root.Vendor) || differs(f.Product, root.Product)) {
		return fail(ExUsage, "Error: File ID %04x:%04x does not match device (%04x:%04x or %04x:%04x)", f.Vendor, f.Product, rv, rp, root.Vendor, root.Product)
	}
	return nil
}

// element writes data at addr on the selected alternate setting, after
// dfu-util's checks that the memory is writable (force skips them).
func (r *runner) element(ctx context.Context, conn *dfu.Conn, addr uint32, data []byte) error {
	l := conn.Layout()
	force := r.dfuse.Force > 0
	last := addr + uint32(len(data)) - 1
	if s, ok := l.Find(last); !force && (!ok || s.Flags&dfu.Writable == 0) {
		return fail(ExUsage, "Last page at 0x%08x is not writeable", last)
	}
	xfer := int(conn.Functional().TransferSize)
	for p := 0; p < len(data); p += xfer {
		if s, ok := l.Find(addr + uint32(p)); !force && (!ok || s.Flags&dfu.Writable == 0) {
			return fail(ExUsage, "Page at 0x%08x is not writeable", addr+uint32(p))
		}
	}
	if conn.Alt() != 0 || strings.HasPrefix(l.Name, "@Option") || !l.Inside(addr, uint64(len(data)), dfu.Writable) {
		return r.raw(ctx, conn, addr, data)
	}
	img := &firmware.Image{Segments: []firmware.Segment{{Address: addr, Data: data}}, Format: "bin"}
	return r.flash(ctx, conn, img)
}

// flash writes an internal-flash image with softdfu's plan: by default
// only changed sectors, bytes outside the image kept, read back; in
// classic mode every touched sector erased, no read-back. A write that
// fails in a way worth retrying (a timeout, a stall, a verify mismatch) is
// retried twice, each time from a new survey of what the board holds.
func (r *runner) flash(ctx context.Context, conn *dfu.Conn, img *firmware.Image) error {
	opts := flash.Options{TransferSize: int(conn.Functional().TransferSize)}
	if r.classic {
		opts.NoKeep, opts.Rewrite, opts.NoVerify = true, true, true
	}
	if _, err := flash.NewPlan(img, &flash.Survey{Layout: conn.Layout()}, &opts); err != nil {
		return fail(ExUsage, "%v", err)
	}
	for attempt := 1; ; attempt++ {
		err := r.flashOnce(ctx, conn, img, &opts)
		if err == nil || attempt == 3 || !retryable(err) {
			return err
		}
		r.printf("softdfu: attempt %d failed (%v); reading the board again and planning from what it holds now\n", attempt, err)
		if rerr := conn.Recover(ctx); rerr != nil {
			return err
		}
	}
}

// retryable reports whether a failed write may be tried again on the same
// connection.
func retryable(err error) bool {
	var xe *exitError
	if errors.As(err, &xe) && xe.cause != nil {
		err = xe.cause
	}
	var se *dfu.StatusError
	switch {
	case errors.Is(err, usb.ErrGone), errors.Is(err, context.Canceled), errors.Is(err, dfu.ErrStillBusy):
		return false
	case errors.As(err, new(*flash.VerifyError)):
		return true
	case errors.As(err, &se):
		return se.Status == dfu.OK || se.Status == dfu.ErrStalledPkt || se.Status == dfu.ErrUnknown || se.Status == dfu.ErrNotDone
	}
	return errors.Is(err, usb.ErrTimeout) || errors.Is(err, usb.ErrStall) || errors.Is(err, usb.ErrBusy) || errors.Is(err, context.DeadlineExceeded)
}

// flashOnce surveys, plans and runs once, drawing the progress bars.
func (r *runner) flashOnce(ctx context.Context, conn *dfu.Conn, img *firmware.Image, opts *flash.Options) error {
	survey, err := flash.TakeSurvey(ctx, conn, img, nil)
	if err != nil {
		return libErr(err)
	}
	plan, err := flash.NewPlan(img, survey, opts)
	if err != nil {
		return fail(ExUsage, "%v", err)
	}
	size := img.Size()
	if r.a.Verbose > 0 {
		r.printf("%s", plan.String())
	}
	labels := map[flash.Phase]string{flash.PhaseErase: "Erase", flash.PhaseWrite: "Download", flash.PhaseVerify: "Verify"}
	bars := map[flash.Phase]*progressBar{flash.PhaseErase: newBar(r.out, "Erase")}
	erased := len(plan.Erased())
	res, err := flash.Run(ctx, conn, plan, func(p flash.Progress) {
		b := bars[p.Phase]
		if b == nil {
			for _, prev := range bars {
				prev.finish(size)
			}
			b = newBar(r.out, labels[p.Phase])
			bars[p.Phase] = b
		}
		total := p.Total
		if p.Phase == flash.PhaseErase {
			total = erased
		}
		b.update(size*p.Done/max(total, 1), size)
	})
	if err != nil {
		r.printf("\n")
		return libErr(err)
	}
	for _, ph := range []flash.Phase{flash.PhaseErase, flash.PhaseWrite} {
		if bars[ph] == nil {
			bars[ph] = newBar(r.out, labels[ph])
		}
		bars[ph].finish(size)
	}
	if b := bars[flash.PhaseVerify]; b != nil {
		b.finish(size)
	}
	if !r.classic {
		r.printf("softdfu: %d sector(s) erased, %d byte(s) written, %d read back and verified\n", res.Erased, res.Written, res.Verified)
	}
	return nil
}

// raw writes data to memory that is not internal flash (option bytes,
// RAM), as dfu-util does: erase the pages that are erasable, then write.
// An option-byte write resets the device; with will-reset that is the
// expected end.
func (r *runner) raw(ctx context.Context, conn *dfu.Conn, addr uint32, data []byte) error {
	l := conn.Layout()
	if strings.HasPrefix(l.Name, "@Option") {
		reset, err := conn.WriteOptionBytes(ctx, addr, data)
		if err != nil {
			return libErr(err)
		}
		if reset {
			r.printf("The device resets to load the new option bytes\n")
		}
		return nil
	}
	for _, s := range l.Touched(addr, uint64(len(data))) {
		if s.Flags&dfu.Erasable != 0 {
			if err := conn.Erase(ctx, s.Address); err != nil {
				return libErr(err)
			}
		}
	}
	bar := newBar(r.out, "Download")
	if err := conn.Download(ctx, addr, data, func(done int) { bar.update(done, len(data)) }); err != nil {
		return libErr(err)
	}
	bar.finish(len(data))
	return nil
}

// dfuseFile downloads a .dfu file: its internal-flash elements through the
// plan.
func (r *runner) dfuseFile(ctx context.Context, conn *dfu.Conn) error {
	f := r.file
	img, err := dfuse.ParseBody(f.Data, suffix.Suffix{Device: uint16(f.Device), Product: uint16(f.Product), Vendor: uint16(f.Vendor), DFU: uint16(f.BCDDFU)})
	if err != nil {
		return fail(ExDataErr, "%v", err)
	}
	for _, s := range img.Segments {
		if s.Alt != 0 {
			return fail(ExSoftware, "the .dfu file has an element for alternate setting %d (at 0x%08x): softdfu's dfu-util writes internal flash (alternate setting 0) only", s.Alt, s.Address)
		}
	}
	r.printf("File contains %d element(s), %d bytes, for alternate setting 0\n", len(img.Segments), img.Size())
	if conn.Alt() != 0 {
		r.printf("Setting Alternate Interface #0 ...\n")
		if err := conn.SelectAlt(ctx, 0); err != nil {
			return fail(ExIOErr, "Cannot set alternate interface: %v", err)
		}
	}
	if err := r.flash(ctx, conn, img); err != nil {
		return err
	}
	r.printf("Done parsing DfuSe file\n")
	return nil
}

// leave starts the application: a Set Address to -s ADDRESS when given,
// then the leave request. A board that drops off the bus is what a leave
// should do (dfu-util exits 74 there); softdfu then waits a moment for the
// application to show up on the same port.
func (r *runner) leave(ctx context.Context, conn *dfu.Conn) error {
	var addr *uint32
	if r.dfuse.HasAddress {
		a := r.dfuse.Address
		addr = &a
	}
	r.printf("Submitting leave request...\n")
	if err := conn.Leave(ctx, addr); err != nil {
		return fail(ExIOErr, "Error during download get_status: %v", err)
	}
	info := conn.Device().Info()
	r.left, r.leftClock = &info, conn.Clock()
	return nil
}

// followApp waits, once the device is closed, for the application of a
// board that left DFU mode to show up on its port, and says what it saw.
func (r *runner) followApp(ctx context.Context) error {
	if r.left == nil || r.classic {
		return nil
	}
	app, err := board.WaitApp(ctx, r.host, *r.left, r.leftClock, 3*time.Second, nil)
	switch {
	case err != nil:
		return libErr(err)
	case app != nil:
		r.printf("softdfu: the board left DFU mode and runs its application (%s on %s)\n", app.ID(), app.Path)
	default:
		r.printf("softdfu: the board left DFU mode (no application showed up on USB; firmware without USB is normal)\n")
	}
	return nil
}
