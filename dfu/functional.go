package dfu

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/softdfu/softdfu/usb"
)

// Bits of the functional descriptor's bmAttributes.
const (
	AttrCanDownload           = 0x01 // bitCanDnload
	AttrCanUpload             = 0x02 // bitCanUpload
	AttrManifestationTolerant = 0x04 // bitManifestationTolerant
	AttrWillDetach            = 0x08 // bitWillDetach
)

// VersionDfuSe is the bcdDFUVersion of ST's DfuSe devices.
const VersionDfuSe = 0x011a

// FunctionalLen is the length of the DFU functional descriptor.
const FunctionalLen = 9

// Functional is the DFU functional descriptor (DFU 1.1 table 4.2).
type Functional struct {
	Attributes    uint8  // bmAttributes, AttrCanDownload | ...
	DetachTimeout uint16 // wDetachTimeOut in milliseconds
	TransferSize  uint16 // wTransferSize: bytes per DNLOAD/UPLOAD block
	Version       uint16 // bcdDFUVersion, 0x0110 or VersionDfuSe
}

// DfuSe reports whether the device speaks ST's DfuSe extensions.
func (f Functional) DfuSe() bool { return f.Version == VersionDfuSe }

// String formats the descriptor for messages.
func (f Functional) String() string {
	var attrs []string
	for _, a := range []struct {
		bit  uint8
		name string
	}{{AttrCanDownload, "download"}, {AttrCanUpload, "upload"}, {AttrManifestationTolerant, "manifestation-tolerant"}, {AttrWillDetach, "will-detach"}} {
		if f.Attributes&a.bit != 0 {
			attrs = append(attrs, a.name)
		}
	}
	return fmt.Sprintf("DFU %x.%02x transfer size %d detach timeout %d ms attributes 0x%02x (%s)",
		f.Version>>8, f.Version&0xff, f.TransferSize, f.DetachTimeout, f.Attributes, strings.Join(attrs, ","))
}

// Marshal encodes the descriptor (9 bytes, type 0x21).
func (f Functional) Marshal() []byte {
	b := make([]byte, FunctionalLen)
	b[0], b[1], b[2] = FunctionalLen, usb.DescDFUFunctional, f.Attributes
	binary.LittleEndian.PutUint16(b[3:], f.DetachTimeout)
	binary.LittleEndian.PutUint16(b[5:], f.TransferSize)
	binary.LittleEndian.PutUint16(b[7:], f.Version)
	return b
}

// ParseFunctional decodes a DFU functional descriptor. DFU 1.0 devices
// send 7 bytes (no bcdDFUVersion); they parse with Version 0x0100.
func ParseFunctional(b []byte) (Functional, error) {
	if len(b) < 2 || b[1] != usb.DescDFUFunctional {
		return Functional{}, fmt.Errorf("dfu: not a DFU functional descriptor (% x): want type 0x21", b[:min(len(b), 9)])
	}
	n := int(b[0])
	if n != 7 && n != FunctionalLen || len(b) < n {
		return Functional{}, fmt.Errorf("dfu: DFU functional descriptor (% x) has bLength %d in %d bytes, want 9 (or 7 for DFU 1.0)", b[:min(len(b), 9)], n, len(b))
	}
	f := Functional{
		Attributes:    b[2],
		DetachTimeout: binary.LittleEndian.Uint16(b[3:]),
		TransferSize:  binary.LittleEndian.Uint16(b[5:]),
		Version:       0x0100,
	}
	if n == FunctionalLen {
		f.Version = binary.LittleEndian.Uint16(b[7:])
	}
	return f, nil
}

// USB interface class, subclass and protocols of DFU.
const (
	InterfaceClass    = 0xfe
	InterfaceSubClass = 0x01
	ProtocolRunTime   = 0x01 // run-time interface of an application
	ProtocolDFUMode   = 0x02 // DFU mode (the bootloader)
)

// Alt is one alternate setting of a DFU interface.
type Alt struct {
	Alternate   uint8
	StringIndex uint8 // iInterface: for DfuSe, the memory layout string
}

// Interface is a DFU interface found in a configuration.
type Interface struct {
	Number   uint8
	Protocol uint8 // ProtocolRunTime or ProtocolDFUMode
	Alts     []Alt
	// Functional is the functional descriptor found after any of the
	// interface's alternate settings; HasFunctional is false when the
	// device has none (or a malformed one).
	Functional    Functional
	HasFunctional bool
}

// RunTime reports whether this is a run-time interface (an application
// that can be asked to DETACH into its bootloader).
func (i Interface) RunTime() bool { return i.Protocol == ProtocolRunTime }

// FindInterfaces returns the DFU interfaces of a configuration, in the
// order they first appear, each with its alternate settings.
func FindInterfaces(cfg usb.ConfigDescriptor) []Interface {
	var out []Interface
	idx := map[uint8]int{}
	for _, d := range cfg.Interfaces {
		if d.Class != InterfaceClass || d.SubClass != InterfaceSubClass {
			continue
		}
		i, ok := idx[d.Number]
		if !ok {
			i = len(out)
			idx[d.Number] = i
			out = append(out, Interface{Number: d.Number, Protocol: d.Protocol})
		}
		it := &out[i]
		it.Alts = append(it.Alts, Alt{Alternate: d.Alternate, StringIndex: d.StringIndex})
		for _, x := range d.Extra {
			if f, err := ParseFunctional(x); err == nil && !it.HasFunctional {
				it.Functional, it.HasFunctional = f, true
			}
		}
	}
	// A functional descriptor placed before the first interface (seen on
	// some devices) applies to a single DFU interface.
	if len(out) == 1 && !out[0].HasFunctional {
		for _, x := range cfg.Extra {
			if f, err := ParseFunctional(x); err == nil {
				out[0].Functional, out[0].HasFunctional = f, true
				break
			}
		}
	}
	return out
}
