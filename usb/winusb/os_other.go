//go:build !windows || !(amd64 || arm64)

package winusb

// osSystem is nil where there is no Windows (or on 32-bit Windows, whose
// calling convention for WinUsb_ControlTransfer this package does not do).
var osSystem system
