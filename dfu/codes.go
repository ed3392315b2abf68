package dfu

import "fmt"

// Request is a DFU class request (DFU 1.1 table 3.2).
type Request uint8

// The DFU requests.
const (
	ReqDetach    Request = 0 // DFU_DETACH: run-time mode to DFU mode
	ReqDnload    Request = 1 // DFU_DNLOAD: host to device data or DfuSe command
	ReqUpload    Request = 2 // DFU_UPLOAD: device to host data
	ReqGetStatus Request = 3 // DFU_GETSTATUS: 6-byte status, drives the state machine
	ReqClrStatus Request = 4 // DFU_CLRSTATUS: leave dfuERROR
	ReqGetState  Request = 5 // DFU_GETSTATE: 1-byte state, no side effects
	ReqAbort     Request = 6 // DFU_ABORT: back to dfuIDLE
)

var requestNames = [...]string{"DETACH", "DNLOAD", "UPLOAD", "GETSTATUS", "CLRSTATUS", "GETSTATE", "ABORT"}

// String returns the request's name as the DFU specification spells it
// without the DFU_ prefix ("DNLOAD").
func (r Request) String() string {
	if int(r) < len(requestNames) {
		return requestNames[r]
	}
	return fmt.Sprintf("request(%d)", uint8(r))
}

// MarshalText returns the name, for JSON output.
func (r Request) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// State is a DFU device state (DFU 1.1 section 6.1.2).
type State uint8

// The DFU states.
const (
	StateAppIdle           State = 0  // appIDLE: run-time mode
	StateAppDetach         State = 1  // appDETACH: waiting for the USB reset after DETACH
	StateIdle              State = 2  // dfuIDLE: ready
	StateDnloadSync        State = 3  // dfuDNLOAD-SYNC: block received, waiting for GETSTATUS
	StateDnbusy            State = 4  // dfuDNBUSY: programming or erasing
	StateDnloadIdle        State = 5  // dfuDNLOAD-IDLE: ready for the next block
	StateManifestSync      State = 6  // dfuMANIFEST-SYNC: end of download, waiting for GETSTATUS
	StateManifest          State = 7  // dfuMANIFEST: manifesting (ST: leaving to the application)
	StateManifestWaitReset State = 8  // dfuMANIFEST-WAIT-RESET: waiting for a USB reset
	StateUploadIdle        State = 9  // dfuUPLOAD-IDLE: upload in progress
	StateError             State = 10 // dfuERROR: an error occurred; CLRSTATUS leaves it
)

var stateNames = [...]string{
	"appIDLE", "appDETACH", "dfuIDLE", "dfuDNLOAD-SYNC", "dfuDNBUSY", "dfuDNLOAD-IDLE",
	"dfuMANIFEST-SYNC", "dfuMANIFEST", "dfuMANIFEST-WAIT-RESET", "dfuUPLOAD-IDLE", "dfuERROR",
}

// String returns the state's name as the DFU specification spells it
// ("dfuDNLOAD-IDLE").
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// MarshalText returns the name ("dfuIDLE"), for JSON output.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Code is a DFU status code, the bStatus of a GETSTATUS answer (DFU 1.1
// section 6.1.2).
type Code uint8

// The DFU status codes.
const (
	OK             Code = 0x00
	ErrTarget      Code = 0x01
	ErrFile        Code = 0x02
	ErrWrite       Code = 0x03
	ErrErase       Code = 0x04
	ErrCheckErased Code = 0x05
	ErrProg        Code = 0x06
	ErrVerify      Code = 0x07
	ErrAddress     Code = 0x08
	ErrNotDone     Code = 0x09
	ErrFirmware    Code = 0x0a
	ErrVendor      Code = 0x0b
	ErrUSBReset    Code = 0x0c
	ErrPOR         Code = 0x0d
	ErrUnknown     Code = 0x0e
	ErrStalledPkt  Code = 0x0f
)

var codeNames = [...]string{
	"OK", "errTARGET", "errFILE", "errWRITE", "errERASE", "errCHECK_ERASED", "errPROG",
	"errVERIFY", "errADDRESS", "errNOTDONE", "errFIRMWARE", "errVENDOR", "errUSBR", "errPOR",
	"errUNKNOWN", "errSTALLEDPKT",
}

// Descriptions from DFU 1.1 table 6.2.
var codeDescriptions = [...]string{
	"no error condition is present",
	"file is not targeted for use by this device",
	"file is for this device but fails some vendor-specific verification test",
	"device is unable to write memory",
	"memory erase function failed",
	"memory erase check failed",
	"program memory function failed",
	"programmed memory failed verification",
	"cannot program memory due to received address that is out of range",
	"received DFU_DNLOAD with wLength = 0, but device does not think it has all of the data yet",
	"device's firmware is corrupt; it cannot return to run-time (non-DFU) operations",
	"iString indicates a vendor-specific error",
	"device detected unexpected USB reset signaling",
	"device detected unexpected power on reset",
	"something went wrong, but the device does not know what it was",
	"device stalled an unexpected request",
}

// String returns the code's name as the DFU specification spells it
// ("errTARGET").
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("status(%d)", uint8(c))
}

// Description returns the DFU 1.1 specification's description of the code.
func (c Code) Description() string {
	if int(c) < len(codeDescriptions) {
		return codeDescriptions[c]
	}
	return "status code not defined by DFU 1.1"
}

// MarshalText returns the name ("errTARGET"), for JSON output.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }
