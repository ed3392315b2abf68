package backend

import (
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/usbfs"
)

func native() usb.Host { return &usbfs.Host{} }
