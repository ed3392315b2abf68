//go:build linux

package usbfs

import (
	"testing"
	"unsafe"
)

// Sizes and offsets of the ioctl argument structs against the C layout of
// include/uapi/linux/usbdevice_fs.h: usbdevfs_ctrltransfer has five __u16/
// __u8 fields (8 bytes), a __u32 timeout at 8 and the data pointer aligned
// after it; usbdevfs_bulktransfer three unsigned ints then the pointer;
// usbdevfs_ioctl two ints then the pointer.
func TestIoctlStructLayout(t *testing.T) {
	ptr := unsafe.Sizeof(uintptr(0))
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"setinterface.interface", unsafe.Offsetof(setInterface{}.Interface), 0},
		{"setinterface.altsetting", unsafe.Offsetof(setInterface{}.AltSetting), 4},
		{"sizeof setinterface", unsafe.Sizeof(setInterface{}), 8},
		{"ioctl.ifno", unsafe.Offsetof(ioctlArg{}.Ifno), 0},
		{"ioctl.ioctl_code", unsafe.Offsetof(ioctlArg{}.IoctlCode), 4},
		{"ioctl.data", unsafe.Offsetof(ioctlArg{}.Data), 8},
		{"sizeof ioctl", unsafe.Sizeof(ioctlArg{}), map[uintptr]uintptr{4: 12, 8: 16}[ptr]},
		// struct usbdevfs_urb: two bytes, then ints, the buffer pointer,
		// six ints and the usercontext pointer.
		{"urb.type", unsafe.Offsetof(urb{}.Type), 0},
		{"urb.endpoint", unsafe.Offsetof(urb{}.Endpoint), 1},
		{"urb.status", unsafe.Offsetof(urb{}.Status), 4},
		{"urb.flags", unsafe.Offsetof(urb{}.Flags), 8},
		{"urb.buffer", unsafe.Offsetof(urb{}.Buffer), map[uintptr]uintptr{4: 12, 8: 16}[ptr]},
		{"urb.buffer_length", unsafe.Offsetof(urb{}.BufferLength), map[uintptr]uintptr{4: 16, 8: 24}[ptr]},
		{"urb.actual_length", unsafe.Offsetof(urb{}.ActualLength), map[uintptr]uintptr{4: 20, 8: 28}[ptr]},
		{"urb.start_frame", unsafe.Offsetof(urb{}.StartFrame), map[uintptr]uintptr{4: 24, 8: 32}[ptr]},
		{"urb.number_of_packets", unsafe.Offsetof(urb{}.NumberOfPackets), map[uintptr]uintptr{4: 28, 8: 36}[ptr]},
		{"urb.error_count", unsafe.Offsetof(urb{}.ErrorCount), map[uintptr]uintptr{4: 32, 8: 40}[ptr]},
		{"urb.signr", unsafe.Offsetof(urb{}.Signr), map[uintptr]uintptr{4: 36, 8: 44}[ptr]},
		{"urb.usercontext", unsafe.Offsetof(urb{}.UserContext), map[uintptr]uintptr{4: 40, 8: 48}[ptr]},
		{"sizeof urb", unsafe.Sizeof(urb{}), map[uintptr]uintptr{4: 44, 8: 56}[ptr]},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// On 64-bit architectures with the generic _IOC layout (amd64, arm64,
// riscv64, ...) the request numbers are the ones in docs/PROTOCOL.md section 7
// and in the kernel's compiled headers.
func TestIoctlNumbers(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 || iocDirShift != 30 {
		t.Skip("numbers below are for 64-bit generic-_IOC architectures")
	}
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"USBDEVFS_SETINTERFACE", usbdevfsSetInterface, 0x80085504},
		{"USBDEVFS_CLAIMINTERFACE", usbdevfsClaimInterface, 0x8004550f},
		{"USBDEVFS_RELEASEINTERFACE", usbdevfsReleaseInterface, 0x80045510},
		{"USBDEVFS_IOCTL", usbdevfsIoctl, 0xc0105512},
		{"USBDEVFS_RESET", usbdevfsReset, 0x5514},
		{"USBDEVFS_CLEAR_HALT", usbdevfsClearHalt, 0x80045515},
		{"USBDEVFS_DISCONNECT", usbdevfsDisconnect, 0x5516},
		{"USBDEVFS_CONNECT", usbdevfsConnect, 0x5517},
		{"USBDEVFS_GET_CAPABILITIES", usbdevfsGetCapabilities, 0x8004551a},
		{"USBDEVFS_SUBMITURB", usbdevfsSubmitURB, 0x8038550a},
		{"USBDEVFS_DISCARDURB", usbdevfsDiscardURB, 0x550b},
		{"USBDEVFS_REAPURBNDELAY", usbdevfsReapURBNDelay, 0x4008550d},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}
