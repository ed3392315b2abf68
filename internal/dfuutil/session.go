package dfuutil

import (
	"context"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/enter"
)

// application finds the one board, matching the run-time selection
// options, that runs an application softdfu can bring into its bootloader
// (CircuitPython, MicroPython, a DFU run-time interface) but that showed
// no DFU interface.
func (r *runner) application(ctx context.Context) (found, bool, error) {
	if r.a.Mode != ModeDetach && r.a.Mode != ModeDownload && r.a.Mode != ModeUpload {
		return found{}, false, nil
	}
	devs, err := r.host.Devices(ctx)
	if err != nil {
		return found{}, false, nil
	}
	var apps []found
	for _, info := range devs {
		d := info.Descriptors
		if len(enter.Methods(d)) == 0 {
			continue
		}
		f := found{Interface: Interface{Vendor: int(d.Device.Vendor), Product: int(d.Device.Product), BCDDevice: int(d.Device.Device),
			Devnum: info.Address, Path: info.Path, Serial: board.SerialOf(d), DFUVersion: 0x0110, Interface: 0}, info: info}
		if len(d.Configs) > 0 {
			f.Config = int(d.Configs[0].Value)
		}
		if r.a.Matches(f.Interface) {
			apps = append(apps, f)
		}
	}
	switch len(apps) {
	case 0:
		return found{}, false, nil
	case 1:
		return apps[0], true, nil
	}
	return found{}, true, fail(ExIOErr, "More than one DFU capable USB device found! Try `--list' and specify the serial number or disconnect all but one device\n")
}

// detach brings a board running its application into its ROM bootloader
// and returns the bootloader's matching interface. dfu-util sends
// DFU_DETACH and waits -E seconds; softdfu uses the board's own entry
// method and follows the same board to its bootloader.
func (r *runner) detach(ctx context.Context, app found) (found, error) {
	methods := enter.Methods(app.info.Descriptors)
	if r.classic && (len(methods) == 0 || methods[0] != enter.Detach) {
		return found{}, fail(ExIOErr, "No DFU capable USB device available")
	}
	r.printf("Claiming USB DFU (Run-Time) Interface...\n")
	r.printf("Determining device status...\n")
	if len(methods) > 0 && methods[0] == enter.Detach {
		r.printf("Device really in Run-Time Mode, send DFU detach request...\n")
	} else if len(methods) > 0 {
		r.printf("Device runs an application: asking it for the bootloader (%s)...\n", methods[0])
	}
	res, err := enter.Enter(ctx, r.host, app.info, enter.Options{})
	if err != nil {
		return found{}, libErr(err)
	}
	r.printf("Device will detach and reattach...\n")
	if r.a.Mode == ModeDetach {
		r.printf("Bootloader %s on %s\n", res.ROM.ID(), res.ROM.Path)
		return found{}, nil
	}
	// As dfu-util: the next probe matches DFU-mode devices only, here on
	// the port the board came back on.
	next := *r.a
	next.Vendor, next.Product, next.Path = Impossible, Impossible, res.ROM.Path
	list, err := probe(ctx, r.host, &next)
	switch {
	case err != nil:
		return found{}, fail(ExIOErr, "Lost device after RESET?")
	case len(list) == 0:
		return found{}, fail(ExIOErr, "Lost device after RESET?")
	case len(list) > 1 && !(r.file != nil && r.file.BCDDFU == dfu.VersionDfuSe && oneInterface(list)):
		return found{}, fail(ExIOErr, "More than one DFU capable USB device found! Try `--list' and specify the serial number or disconnect all but one device")
	}
	r.printf("Opening DFU USB Device...\n")
	return list[0], nil
}

// session opens the DFU-mode interface with the board layer (claimed,
// brought to dfuIDLE: dfuERROR cleared, unfinished transfers aborted) and
// runs the upload, download, command or detach.
func (r *runner) session(ctx context.Context, root found) error {
	r.printf("Claiming USB DFU Interface...\n")
	r.printf("Setting Alternate Interface #%d ...\n", root.Alt)
	s, err := board.Open(ctx, r.host, root.info, &board.Options{Alt: uint8(root.Alt), AbortManifest: true})
	if err != nil {
		return fail(sysexit(err), "Cannot claim interface - %v", err)
	}
	defer s.Close()
	conn := s.Conn()
	r.printf("Determining device status...\n")
	st, err := conn.GetStatus(ctx)
	if err != nil {
		return fail(ExIOErr, "error get_status: %v", err)
	}
	r.printf("%s", statusLine(st))
	r.printf("DFU mode device DFU version %04x\n", root.DFUVersion)
	dfuse := root.DFUVersion == dfu.VersionDfuSe
	if !dfuse && r.a.DfuSeGiven {
		r.printf("Warning: DfuSe option used on non-DfuSe device\n")
	}
	if err := r.transferSize(root); err != nil {
		return err
	}
	if r.a.Mode == ModeDetach {
		return nil // the ROM is in DFU mode already
	}
	if !dfuse && !r.a.DfuSeGiven {
		return fail(ExSoftware, "%s is a plain DFU %x.%02x device: softdfu's dfu-util drives DfuSe devices (STM32 ROM bootloaders) only; use dfu-util itself for this one",
			root.info.ID(), root.DFUVersion>>8, root.DFUVersion&0xff)
	}
	if r.a.Mode == ModeUpload {
		err = r.upload(ctx, conn)
	} else {
		err = r.download(ctx, conn, root)
	}
	if err == nil && r.a.Reset {
		r.printf("Resetting USB to switch back to Run-Time mode\n")
	}
	return err
}

// transferSize prints dfu-util's transfer size lines. softdfu always moves
// the device's wTransferSize per request; -t only changes what is printed.
func (r *runner) transferSize(root found) error {
	t := r.a.TransferSize
	if root.TransferSize != 0 {
		r.printf("Device returned transfer size %d\n", root.TransferSize)
		if t == 0 {
			t = root.TransferSize
		} else {
			r.printf("Warning: Overriding device-reported transfer size\n")
		}
	} else if t == 0 {
		return fail(ExUsage, "Transfer size must be specified")
	}
	if t > 4096 {
		t = 4096
		r.printf("Limited transfer size to %d\n", t)
	}
	if t < root.MaxPacketSize0 {
		r.printf("Adjusted transfer size to %d\n", root.MaxPacketSize0)
	}
	return nil
}
