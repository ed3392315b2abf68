package dfuutil

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/softdfu/softdfu/dfu"
)

// createUpload creates the -U file the way dfu-util does (it must not
// exist: O_EXCL), but before any board is touched.
func createUpload(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_TRUNC, 0o666)
	if err != nil {
		why := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			why = pe.Err
		}
		return nil, fail(ExCantCreat, "Cannot open file %s for writing: %s", name, describeErrno(why))
	}
	return f, nil
}

// upload reads memory into the -U file as dfu-util's DfuSe upload does:
// from -s ADDRESS to the end of its memory segment (or LENGTH bytes), or
// without an address 16 KiB from wherever the device's address pointer is.
func (r *runner) upload(ctx context.Context, conn *dfu.Conn) error {
	d := r.dfuse
	var data []byte
	var err error
	if d.HasAddress {
		limit := int(d.Length)
		sec, ok := conn.Layout().Find(d.Address)
		if d.Force == 0 && (!ok || sec.Flags&dfu.Readable == 0) {
			return fail(ExUsage, "Page at 0x%08x is not readable", d.Address)
		}
		if limit == 0 {
			if ok {
				limit = int(segmentEnd(conn.Layout(), sec) - uint64(d.Address))
				r.printf("Limiting upload to end of memory segment, %d bytes\n", limit)
			} else {
				limit = 0x4000
				r.printf("Limiting upload to %d bytes\n", limit)
			}
		}
		bar := newBar(r.out, "Upload")
		data, err = conn.Upload(ctx, d.Address, limit, func(done int) { bar.update(done, limit) })
		if err == nil {
			bar.finish(len(data))
		}
	} else {
		limit := int(d.Length)
		if limit == 0 {
			r.warnf("Unbound upload not supported on DfuSe devices")
			limit = 0x4000
		}
		r.printf("Limiting default upload to %d bytes\n", limit)
		data, err = r.uploadHere(ctx, conn, limit)
	}
	if err != nil {
		return libErr(err)
	}
	if _, err := r.upfile.Write(data); err != nil {
		return fail(ExIOErr, "Could not write %d bytes to file %s: %v", len(data), r.a.File, err)
	}
	if err := r.upfile.Close(); err != nil {
		return libErr(err)
	}
	r.upfile = nil
	if err := conn.Recover(ctx); err != nil {
		return libErr(err)
	}
	if d.Leave {
		return r.leave(ctx, conn)
	}
	return nil
}

// uploadHere uploads limit bytes from the device's current address
// pointer (no Set Address), stopping early at a short block.
func (r *runner) uploadHere(ctx context.Context, conn *dfu.Conn, limit int) ([]byte, error) {
	xfer := int(conn.Functional().TransferSize)
	bar := newBar(r.out, "Upload")
	var out []byte
	for block := uint16(2); len(out) < limit; block++ {
		buf := make([]byte, min(xfer, limit-len(out)))
		n, err := conn.UploadBlock(ctx, block, buf)
		if err != nil {
			return nil, err
		}
		out = append(out, buf[:n]...)
		bar.update(len(out), limit)
		if n < len(buf) {
			break
		}
	}
	bar.finish(len(out))
	return out, nil
}

// segmentEnd is the end of dfu-util's memory segment holding sec: the run
// of following sectors of the same size and flags in sec's region.
func segmentEnd(l dfu.Layout, sec dfu.Sector) uint64 {
	end := sec.End()
	for _, s := range l.All() {
		if s.Index > sec.Index && uint64(s.Address) == end && s.Size == sec.Size && s.Flags == sec.Flags {
			end = s.End()
		}
	}
	return end
}
