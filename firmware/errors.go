package firmware

import "errors"

// ErrInvalid is wrapped by every error about a damaged or malformed
// firmware file (bad checksum, truncated record, overlapping data, ...).
var ErrInvalid = errors.New("invalid firmware file")

// ErrUnsupported is wrapped by errors about well-formed files this package
// cannot use (a big-endian or 64-bit ELF, a UF2 for another chip family, a
// format it cannot tell).
var ErrUnsupported = errors.New("unsupported firmware file")

// ErrFormatNeeded is matched (errors.Is) by the errors of a file whose
// format the caller must name: neither its name nor its content tells
// it, or they disagree.
var ErrFormatNeeded = errors.New("the file's format must be named")

// ErrAddressNeeded is matched (errors.Is) by the errors of a raw binary
// that needs its load address given, or another one.
var ErrAddressNeeded = errors.New("the raw binary's load address must be given")

// Needing returns err, which errors.Is then also matches as each of needs
// (ErrFormatNeeded, ErrAddressNeeded); its text is err's.
func Needing(err error, needs ...error) error { return &needing{err, needs} }

type needing struct {
	error
	needs []error
}

// Unwrap returns the error and what it needs.
func (n *needing) Unwrap() []error { return append([]error{n.error}, n.needs...) }
