package flash_test

import (
	"context"
	"fmt"

	"github.com/softdfu/softdfu/dfu"
	"github.com/softdfu/softdfu/firmware"
	"github.com/softdfu/softdfu/flash"
	"github.com/softdfu/softdfu/sim"
)

// Survey a simulated board, plan, print the plan, run it and leave.
func Example() {
	ctx := context.Background()
	world, _ := sim.New([]sim.Spec{{Board: "nucleo-f446re", Mode: "dfu"}}, sim.Options{})
	devs, _ := world.Devices(ctx)
	dev, _ := world.Open(ctx, devs[0])
	conn, err := dfu.Open(ctx, dev, 0, 0, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	app := sim.AppImage(world.Boards()[0].Part(), "micropython", 20000)
	img := &firmware.Image{Segments: []firmware.Segment{{Address: 0x08000000, Data: app}}}

	survey, err := flash.TakeSurvey(ctx, conn, img, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := flash.NewPlan(img, survey, &flash.Options{TransferSize: int(conn.Functional().TransferSize)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	res, err := flash.Run(ctx, conn, plan, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("erased %d sector(s), wrote %d bytes, verified %d bytes\n", res.Erased, res.Written, res.Verified)
	at := uint32(0x08000000)
	world.Boards()[0].SetBoot0(false)
	if err := conn.Leave(ctx, &at); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(world.Boards()[0].State().Run)
	// Output:
	// plan for "Internal Flash" 0x08000000-0x0807ffff: image 20000 bytes in 1 segment(s)
	// #    ADDRESS     SIZE    PLAN         IMAGE BYTES  OUTSIDE THE IMAGE
	// 0    0x08000000  16K     erase+write  16384        -
	// 1    0x08004000  16K     write        3616         -
	// 2-3  0x08008000  2*16K   untouched    -            -
	// 4    0x08010000  64K     untouched    -            -
	// 5-7  0x08020000  3*128K  untouched    -            -
	// erase 1 sector(s) (16K), write 20000 bytes (10 blocks of 2048), 0 sector(s) unchanged, verify 20000 bytes; estimated time 0s
	//   run 0x08000000-0x08004e1f (20000 bytes)
	//   erase 0: 0x08000040 holds 0x11, the image 0x82: programming only clears bits
	// erased 1 sector(s), wrote 20000 bytes, verified 20000 bytes
	// application
}
