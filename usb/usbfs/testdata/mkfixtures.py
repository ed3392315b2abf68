#!/usr/bin/env python3
"""Writes the sysfs fixture trees under testdata/sysfs (run from testdata/).

The descriptor bytes are written out by hand here, independently of package
usb's encoders, in the layout the Linux kernel's `descriptors` attribute
uses: the 18-byte device descriptor, then every configuration descriptor
with its wTotalLength bytes (Documentation/ABI/stable/sysfs-bus-usb).

Trees:
  app/  usb1 (root hub, skipped), 1-1 (Genesys 05e3:0608 hub),
        1-1.2 CircuitPython Feather STM32F405 Express 239a:805a
        (IAD + CDC-ACM on interfaces 0-1 with ttyACM0, MSC, HID)
  rom/  the same board on the same port after entering the ROM bootloader:
        1-1.2 0483:df11 "STM32  BOOTLOADER" with one DFU interface and four
        alternate settings (docs/PROTOCOL.md section 3), new device number.
"""
import os, shutil

def le16(v): return bytes([v & 0xff, v >> 8])

def dev_desc(bcdusb, cls, sub, proto, mps, vid, pid, bcd, im, ip, isn, ncfg):
    return bytes([18, 1]) + le16(bcdusb) + bytes([cls, sub, proto, mps]) + le16(vid) + le16(pid) + le16(bcd) + bytes([im, ip, isn, ncfg])

def config(nintf, value, istr, attr, power, body):
    total = 9 + len(body)
    return bytes([9, 2]) + le16(total) + bytes([nintf, value, istr, attr, power]) + body

def intf(num, alt, neps, cls, sub, proto, istr):
    return bytes([9, 4, num, alt, neps, cls, sub, proto, istr])

def ep(addr, attr, mps, interval):
    return bytes([7, 5, addr, attr]) + le16(mps) + bytes([interval])

def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = 'wb' if isinstance(data, bytes) else 'w'
    with open(path, mode) as f:
        f.write(data)

def attrs(d, a):
    for k, v in a.items():
        write(os.path.join(d, k), v if isinstance(v, bytes) else v + "\n")

def link(path, target):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.symlink(target, path)

def device(root, name, busnum, devnum, devpath, desc, strings, speed="12"):
    d = os.path.join(root, name)
    dd = desc[:18]
    a = {
        "idVendor": "%04x" % (dd[8] | dd[9] << 8),
        "idProduct": "%04x" % (dd[10] | dd[11] << 8),
        "bcdDevice": "%04x" % (dd[12] | dd[13] << 8),
        "bDeviceClass": "%02x" % dd[4],
        "bDeviceSubClass": "%02x" % dd[5],
        "bDeviceProtocol": "%02x" % dd[6],
        "bNumConfigurations": "%d" % dd[17],
        "bConfigurationValue": "1",
        "busnum": str(busnum),
        "devnum": str(devnum),
        "devpath": devpath,
        "speed": speed,
        "version": " 2.00",
        "descriptors": desc,
    }
    a.update(strings)
    attrs(d, a)
    return d

def interface(devdir, name, num, alt, cls, sub, proto, neps, istring=None, driver=None):
    d = os.path.join(devdir, name)
    a = {
        "bInterfaceNumber": "%02x" % num,
        "bAlternateSetting": "%2d" % alt,
        "bInterfaceClass": "%02x" % cls,
        "bInterfaceSubClass": "%02x" % sub,
        "bInterfaceProtocol": "%02x" % proto,
        "bNumEndpoints": "%02x" % neps,
    }
    if istring is not None:
        a["interface"] = istring
    attrs(d, a)
    if driver:
        link(os.path.join(d, "driver"), "../../../../../../../bus/usb/drivers/" + driver)
    return d

def hub(root):
    desc = dev_desc(0x0200, 9, 0, 1, 64, 0x05e3, 0x0608, 0x6060, 0, 1, 0, 1) + \
        config(1, 1, 0, 0xe0, 50, intf(0, 0, 1, 9, 0, 0, 0) + ep(0x81, 3, 1, 12))
    d = device(root, "1-1", 1, 2, "1", desc, {"product": "USB2.0 Hub", "maxchild": "4"}, speed="480")
    interface(d, "1-1:1.0", 0, 0, 9, 0, 0, 1, driver="hub")

def roothub(root):
    desc = dev_desc(0x0200, 9, 0, 1, 64, 0x1d6b, 0x0002, 0x0618, 3, 2, 1, 1) + \
        config(1, 1, 0, 0xe0, 0, intf(0, 0, 1, 9, 0, 0, 0) + ep(0x81, 3, 4, 12))
    d = device(root, "usb1", 1, 1, "0", desc, {"manufacturer": "Linux 6.1.0 xhci-hcd", "product": "xHCI Host Controller", "serial": "0000:00:14.0"}, speed="480")
    interface(d, "1-0:1.0", 0, 0, 9, 0, 0, 1, driver="hub")

def circuitpython(root):
    hid_report_len = 0x94
    body = (
        bytes([8, 0x0b, 0, 2, 2, 2, 0, 4]) +                       # IAD: interfaces 0-1, CDC ACM
        intf(0, 0, 1, 2, 2, 0, 4) +
        bytes([5, 0x24, 0x00, 0x20, 0x01]) +                       # CDC header 1.20
        bytes([5, 0x24, 0x01, 0x00, 0x01]) +                       # call management
        bytes([4, 0x24, 0x02, 0x02]) +                             # ACM
        bytes([5, 0x24, 0x06, 0x00, 0x01]) +                       # union 0 -> 1
        ep(0x81, 3, 64, 16) +
        intf(1, 0, 2, 0x0a, 0, 0, 5) + ep(0x02, 2, 64, 0) + ep(0x82, 2, 64, 0) +
        intf(2, 0, 2, 8, 6, 0x50, 6) + ep(0x83, 2, 64, 0) + ep(0x03, 2, 64, 0) +
        intf(3, 0, 2, 3, 0, 0, 7) +
        bytes([9, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22]) + le16(hid_report_len) +
        ep(0x84, 3, 64, 8) + ep(0x04, 3, 64, 8)
    )
    desc = dev_desc(0x0200, 0xef, 2, 1, 64, 0x239a, 0x805a, 0x0100, 2, 3, 1, 1) + \
        config(4, 1, 0, 0x80, 50, body)
    d = device(root, "1-1.2", 1, 5, "1.2", desc, {
        "manufacturer": "Adafruit Industries LLC",
        "product": "Feather STM32F405 Express",
        "serial": "30002D000B51343333353132",
    })
    i0 = interface(d, "1-1.2:1.0", 0, 0, 2, 2, 0, 1, "CircuitPython CDC control", "cdc_acm")
    attrs(os.path.join(i0, "tty", "ttyACM0"), {"dev": "166:0"})
    interface(d, "1-1.2:1.1", 1, 0, 0x0a, 0, 0, 2, "CircuitPython CDC data", "cdc_acm")
    interface(d, "1-1.2:1.2", 2, 0, 8, 6, 0x50, 2, "CircuitPython Mass Storage", "usb-storage")
    interface(d, "1-1.2:1.3", 3, 0, 3, 0, 0, 2, "CircuitPython HID", "usbhid")

def rom(root):
    layouts = [
        "@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg",
        "@Option Bytes  /0x1FFFC000/01*016 g",
        "@OTP Memory /0x1FFF7800/01*512 g,01*016 g",
        "@Device Feature/0xFFFF0000/01*004 g",
    ]
    body = b"".join(intf(0, alt, 0, 0xfe, 1, 2, 4 + alt) for alt in range(4))
    body += bytes([9, 0x21, 0x0b]) + le16(255) + le16(2048) + le16(0x011a)
    desc = dev_desc(0x0200, 0, 0, 0, 64, 0x0483, 0xdf11, 0x2200, 1, 2, 3, 1) + \
        config(1, 1, 0, 0xc0, 50, body)
    d = device(root, "1-1.2", 1, 6, "1.2", desc, {
        "manufacturer": "STMicroelectronics",
        "product": "STM32  BOOTLOADER",
        "serial": "325E35633334",
    })
    # Only the current alternate setting (0) shows in sysfs.
    interface(d, "1-1.2:1.0", 0, 0, 0xfe, 1, 2, 0, layouts[0])

def main():
    shutil.rmtree("sysfs", ignore_errors=True)
    app = "sysfs/app"
    roothub(app); hub(app); circuitpython(app)
    # The bus directory also lists interfaces; the scanner skips them.
    link(os.path.join(app, "1-1.2:1.0"), "1-1.2/1-1.2:1.0")
    romt = "sysfs/rom"
    roothub(romt); hub(romt); rom(romt)

main()
