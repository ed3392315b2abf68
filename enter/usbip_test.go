package enter_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/softdfu/softdfu/enter"
	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb/usbip"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEnterOverUSBIP: the board re-enumerates behind a USB/IP server on
// loopback; the server closes the application's connection and exports
// the ROM under the same bus ID, which the client finds again.
func TestEnterOverUSBIP(t *testing.T) {
	for _, spec := range []string{"feather-f405", "feather-f405:micropython", "nucleo-f446re:runtime", "blackpill-f411:arduino"} {
		t.Run(spec, func(t *testing.T) {
			w := world(t, "feather-f405:dfu,"+spec, 5)
			l, err := usbip.Listen(context.Background(), "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := usbip.NewServer(w, usbip.ServerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- srv.Serve(ctx, l) }()
			defer func() {
				cancel()
				if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("Serve: %v", err)
				}
			}()
			host := usbip.NewHost(l.Addr().String())
			devs, err := host.Devices(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var app *int
			for i, d := range devs {
				if d.Path == "1-2" {
					app = &i
				}
			}
			if app == nil {
				t.Fatalf("no 1-2 in %v", devs)
			}
			res, err := enter.Enter(ctx, host, devs[*app], enter.Options{Quiet: 20 * time.Millisecond, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			b := w.Boards()[1]
			if res.ROM.Path != "1-2" || res.ROM.Descriptors.Serial() != b.ROMSerial() || b.State().Run != sim.RunROM {
				t.Fatalf("ROM %s serial %s; board %s %+v", res.ROM.Path, res.ROM.Descriptors.Serial(), b.ROMSerial(), b.State())
			}
		})
	}
}
