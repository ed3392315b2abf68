package dfu_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/sim"
)

// Flashing a simulated STM32F407 held in its ROM bootloader: erase, write,
// read back, leave.
func Example() {
	ctx := context.Background()
	world, _ := sim.New([]sim.Spec{{Board: "discovery-f407", Mode: "dfu"}}, sim.Options{})
	devs, _ := world.Devices(ctx)
	dev, _ := world.Open(ctx, devs[0])
	defer dev.Close()

	conn, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(conn.Functional())
	l := conn.Layout()
	fmt.Println(l.Name, len(l.All()), "sectors")

	if err := conn.Erase(ctx, 0x08000000); err != nil {
		fmt.Println(err)
		return
	}
	if err := conn.Download(ctx, 0x08000000, []byte("hello, flash"), nil); err != nil {
		fmt.Println(err)
		return
	}
	back, _ := conn.Upload(ctx, 0x08000000, 12, nil)
	fmt.Printf("%q\n", back)

	// The device reports what went wrong as a *StatusError.
	err = conn.SetAddress(ctx, 0x09000000)
	var se *dfu.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.State, se.Status)
	}
	// Output:
	// DFU 1.1a transfer size 2048 detach timeout 255 ms attributes 0x0b (download,upload,will-detach)
	// Internal Flash 12 sectors
	// "hello, flash"
	// dfuERROR errTARGET
}

func ExampleParseLayout() {
	l, err := dfu.ParseLayout("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg")
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := l.Find(0x08020000)
	fmt.Printf("sector %d at 0x%08x, %d KiB, %v\n", s.Index, s.Address, s.Size>>10, s.Flags)
	fmt.Println(len(l.Touched(0x08000000, 70000)), "sectors touched by 70000 bytes")
	first, outside := l.FirstOutside(0x080ffff0, 32, dfu.Writable)
	fmt.Printf("0x%08x %v\n", first, outside)
	// Output:
	// sector 5 at 0x08020000, 128 KiB, rew
	// 5 sectors touched by 70000 bytes
	// 0x08100000 true
}
