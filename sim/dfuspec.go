package sim

// DFU 1.1 requests, states and status codes as the ROM speaks them
// (docs/PROTOCOL.md section 2). The host side has its own copy in package dfu:
// the simulator must not lean on the code it is meant to check.
const (
	reqDetach    = 0
	reqDnload    = 1
	reqUpload    = 2
	reqGetStatus = 3
	reqClrStatus = 4
	reqGetState  = 5
	reqAbort     = 6
)

const (
	stateAppIdle        = 0
	stateAppDetach      = 1
	stateIdle           = 2
	stateDnloadSync     = 3
	stateDnbusy         = 4
	stateDnloadIdle     = 5
	stateManifestSync   = 6
	stateManifest       = 7
	stateManifestWait   = 8
	stateUploadIdle     = 9
	stateError          = 10
	numStates           = 11
	statusOK            = 0
	errTarget           = 1
	errFile             = 2
	errWrite            = 3
	errErase            = 4
	errCheckErased      = 5
	errProg             = 6
	errVerify           = 7
	errAddress          = 8
	errNotDone          = 9
	errFirmware         = 10
	errVendor           = 11
	errUSBR             = 12
	errPOR              = 13
	errUnknown          = 14
	errStalledPkt       = 15
	dfuseCmdGetCommands = 0x00
	dfuseCmdSetAddress  = 0x21
	dfuseCmdErase       = 0x41
	dfuseCmdUnprotect   = 0x92
	transferSize        = 2048
)
