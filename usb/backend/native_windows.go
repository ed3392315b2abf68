package backend

import (
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/winusb"
)

func native() usb.Host { return &winusb.Host{} }
