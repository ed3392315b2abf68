package backend

import (
	"github.com/softdfu/softdfu/usb"
	"github.com/softdfu/softdfu/usb/iokit"
)

func native() usb.Host { return &iokit.Host{} }
