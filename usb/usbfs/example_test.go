package usbfs_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

// List the STM32 ROM bootloaders on the system and read the DFU status of
// the first one.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var host usbfs.Host // system paths
	devs, err := host.Devices(ctx)
	if err != nil {
		fmt.Println(err) // on macOS and Windows: ErrNotLinux
		return
	}
	for _, info := range devs {
		if info.ID() != "0483:df11" {
			continue
		}
		dev, err := host.Open(ctx, info)
		if errors.Is(err, usb.ErrPermission) {
			fmt.Println(err) // says which udev rule to install
			return
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		defer dev.Close()
		if err := dev.Claim(ctx, 0); err != nil {
			fmt.Println(err)
			return
		}
		status := make([]byte, 6)
		if _, err := dev.Control(ctx, usb.ClassInterfaceIn(3, 0, 0, 6), status); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: state %d\n", info, status[4])
		return
	}
}
