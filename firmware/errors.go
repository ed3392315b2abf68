package firmware

import "errors"

// ErrInvalid is wrapped by every error about a damaged or malformed
// firmware file (bad checksum, truncated record, overlapping data, ...).
var ErrInvalid = errors.New("invalid firmware file")

// ErrUnsupported is wrapped by errors about well-formed files this package
// cannot use (a big-endian or 64-bit ELF, a UF2 for another chip family, a
// format it cannot tell).
var ErrUnsupported = errors.New("unsupported firmware file")
