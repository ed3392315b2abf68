package dfu

import (
	"fmt"
	"time"
)

// Status is the 6-byte answer to GETSTATUS.
type Status struct {
	// Status is bStatus, the result of the last operation.
	Status Code
	// PollTimeout is bwPollTimeout: how long the host should wait before
	// the next GETSTATUS (24-bit little-endian, milliseconds).
	PollTimeout time.Duration
	// State is bState, the state the device enters right after this answer.
	State State
	// StringIndex is iString, a string descriptor that describes the status.
	StringIndex uint8
}

// StatusLen is the length of a GETSTATUS answer.
const StatusLen = 6

// maxPollTimeout is the largest value bwPollTimeout can carry.
const maxPollTimeout = 0xffffff * time.Millisecond

// ParseStatus decodes a GETSTATUS answer.
func ParseStatus(b []byte) (Status, error) {
	if len(b) != StatusLen {
		return Status{}, fmt.Errorf("dfu: GETSTATUS answer is %d bytes (% x), want 6: the device does not speak DFU 1.1 here; check the interface number", len(b), b)
	}
	s := Status{
		Status:      Code(b[0]),
		PollTimeout: time.Duration(uint32(b[1])|uint32(b[2])<<8|uint32(b[3])<<16) * time.Millisecond,
		State:       State(b[4]),
		StringIndex: b[5],
	}
	if s.State > StateError {
		return s, fmt.Errorf("dfu: GETSTATUS answer (% x) byte 4 holds state %d, which DFU 1.1 does not define (0-10)", b, b[4])
	}
	if s.Status > ErrStalledPkt {
		return s, fmt.Errorf("dfu: GETSTATUS answer (% x) byte 0 holds status %d, which DFU 1.1 does not define (0-15)", b, b[0])
	}
	return s, nil
}

// Marshal encodes the answer. A PollTimeout beyond 24 bits of
// milliseconds is clamped; sub-millisecond parts are dropped.
func (s Status) Marshal() [StatusLen]byte {
	ms := uint32(min(max(s.PollTimeout, 0), maxPollTimeout) / time.Millisecond)
	return [StatusLen]byte{byte(s.Status), byte(ms), byte(ms >> 8), byte(ms >> 16), byte(s.State), s.StringIndex}
}

// String formats the status for transcripts and messages:
// "dfuDNBUSY/OK poll 100ms".
func (s Status) String() string {
	str := fmt.Sprintf("%v/%v poll %v", s.State, s.Status, s.PollTimeout)
	if s.StringIndex != 0 {
		str += fmt.Sprintf(" iString %d", s.StringIndex)
	}
	return str
}
