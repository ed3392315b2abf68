package dfuutil

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/softdfu/softdfu/firmware/suffix"
)

// dfuFile is a download file as dfu-util loads it: the bytes, and what a
// valid DFU suffix said (IDs 0xffff = any; BCDDFU 0 without a suffix).
type dfuFile struct {
	Name     string
	Data     []byte // without the suffix
	Vendor   int
	Product  int
	Device   int
	BCDDFU   int
	Warnings []string // dfu-util's warnings, without "dfu-util: "
}

// loadFile reads a download file (- is standard input) and checks its DFU
// suffix as dfu-util does: a missing or broken suffix is a warning, a
// suffix with a good CRC but an impossible length an error (EX_DATAERR).
func loadFile(name string, stdin io.Reader) (*dfuFile, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		why := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			why = pe.Err
		}
		return nil, &exitError{code: ExNoInput, msg: fmt.Sprintf("Could not open file %s for reading: %s", name, describeErrno(why))}
	}
	f := &dfuFile{Name: name, Data: b, Vendor: 0xffff, Product: 0xffff, Device: 0xffff}
	reason := ""
	n := len(b)
	switch {
	case n < suffix.Len:
		reason = "File too short for DFU suffix"
	case b[n-6] != 'D' || b[n-7] != 'F' || b[n-8] != 'U':
		reason = "Invalid DFU suffix signature"
	case binary.LittleEndian.Uint32(b[n-4:]) != suffix.CRC(b[:n-4]):
		reason = "DFU suffix CRC does not match"
	}
	if reason != "" {
		f.Warnings = append(f.Warnings, "Warning: "+reason, "A valid DFU suffix will be required in a future dfu-util release")
		return f, nil
	}
	t := b[n-suffix.Len:]
	f.BCDDFU = int(binary.LittleEndian.Uint16(t[6:]))
	switch l := int(t[11]); {
	case l < suffix.Len:
		return nil, &exitError{code: ExDataErr, msg: fmt.Sprintf("Unsupported DFU suffix length %d", l)}
	case l > n:
		return nil, &exitError{code: ExDataErr, msg: fmt.Sprintf("Invalid DFU suffix length %d", l)}
	default:
		f.Data = b[:n-l]
	}
	f.Vendor = int(binary.LittleEndian.Uint16(t[4:]))
	f.Product = int(binary.LittleEndian.Uint16(t[2:]))
	f.Device = int(binary.LittleEndian.Uint16(t[0:]))
	return f, nil
}

// describeErrno gives the C library's wording for the common errors.
func describeErrno(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	case errors.Is(err, fs.ErrExist):
		return "File exists"
	}
	return err.Error()
}
