// Package part is the chip database: the one host-side source of facts
// about the chips softdfu writes. The simulator builds its boards from the
// same facts (it may import part; part imports nothing of softdfu).
//
// A Family holds what a whole line of chips shares: the ROM bootloader's
// USB IDs and versions (bcdDevice) with their quirks as data, the
// system-memory, unique-ID, OTP and option-byte addresses, the encoding of
// the read-protection byte, the rule by which the ROM derives its USB
// serial number from the unique ID, and the datasheet flash timing. A Chip
// is one flash layout of a family (what a host can tell apart over DFU):
// its erase units (sectors or pages, banks included), its option-byte
// blocks and the part numbers (Variant) that have it, each with its RAM.
//
// The small API other packages use:
//
//   - Identify(Device) names the chip behind a DFU interface from what the
//     device shows: VID:PID, bcdDevice, alternate-setting strings and the
//     erase units of its internal-flash layout. It always returns a usable
//     *Chip; ok is false when the database does not know the layout.
//   - Lookup("STM32F405RG") finds a part number's chip and variant.
//   - Chip: Unit(addr), Shape(), WRPBit(addr) (option-byte block and bit
//     of a unit), StackOK(msp), BootOK(msp, reset), CheckOptionWrite
//     (refuses read protection level 2 unless allowed).
//   - Family: ROMSerial(uid), ROM(bcdDevice) with its Quirks, Timing.
//   - ROMIDs() lists the USB IDs of every known ROM bootloader (for list,
//     udev rules and board selection); IsROM(vid, pid) tests one.
//   - ROMSerial and UIDHex are the unique-ID serial rules.
//
// Decoding option-byte blocks is package optionbytes; parsing DfuSe layout
// strings is package dfu. Sources are cited next to each fact; UNVERIFIED
// marks values no public source settles.
package part
