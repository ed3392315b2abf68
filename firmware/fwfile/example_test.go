package fwfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/softdfu/softdfu/firmware/fwfile"
)

// A HEX file is read, checked as an STM32F4 application and written as a
// DfuSe file for ST's ROM bootloader.
func Example() {
	hex := ":020000040800F2\n:08000000000002209501000838\n:00000001FF\n"
	img, err := fwfile.Parse("app.hex", []byte(hex), fwfile.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	lo, hi := img.Span()
	fmt.Printf("%s: %d bytes at 0x%08x-0x%08x, CRC-32 %08x\n", img.Format, img.Size(), lo, hi-1, img.CRC32())
	msp, reset, _ := img.VectorTable(lo)
	fmt.Printf("stack 0x%08x, reset 0x%08x, findings: %d\n", msp, reset, len(img.CheckSTM32F4()))

	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "app.dfu")
	if err := fwfile.Write(out, img, fwfile.WriteOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	back, _ := fwfile.Load(out, fwfile.LoadOptions{})
	fmt.Printf("%s for %04x:%04x\n", back.Format, back.Vendor, back.Product)

	_, err = fwfile.Parse("app.bin", []byte{1, 2, 3, 4}, fwfile.LoadOptions{})
	fmt.Println(err)
	// Output:
	// ihex: 8 bytes at 0x08000000-0x08000007, CRC-32 6caca2f5
	// stack 0x20020000, reset 0x08000195, findings: 0
	// dfuse for 0483:df11
	// unsupported firmware file: a raw binary does not say where it goes: give its load address (0x08000000 is the start of STM32F4 flash)
}
