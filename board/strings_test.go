package board

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/softdfu/softdfu/sim"
	"github.com/softdfu/softdfu/usb"
)

// sysfsHost lists the simulated boards as Linux's sysfs does: with the
// device's own strings (manufacturer, product, serial) but not the
// alternate-setting names, which a listing has to read from the device.
type sysfsHost struct{ *sim.World }

func (h sysfsHost) Devices(ctx context.Context) ([]usb.DeviceInfo, error) {
	infos, err := h.World.Devices(ctx)
	for i, info := range infos {
		d := info.Descriptors.Device
		strs := map[uint8]string{}
		for _, idx := range []uint8{d.ManufacturerIndex, d.ProductIndex, d.SerialIndex} {
			if s, ok := info.Descriptors.Strings[idx]; ok {
				strs[idx] = s
			}
		}
		infos[i].Descriptors.Strings = strs
	}
	return infos, err
}

// TestAltNamesReadOnce: selecting a board and opening a session reads each
// alternate-setting name from the device once (the listing reads them; the
// session uses what it read), where it read them twice or three times.
func TestAltNamesReadOnce(t *testing.T) {
	ctx := context.Background()
	var tr bytes.Buffer
	host := sysfsHost{newWorld(t, "feather-f405:dfu", sim.Options{Transcript: &tr})}
	bs, err := Select(ctx, host, Query{Want: func(b Board) bool { return b.Mode == DFU }})
	if err != nil || len(bs) != 1 {
		t.Fatalf("select: %v, %v", bs, err)
	}
	if len(bs[0].Alts) != 4 || bs[0].Alts[0] == "" {
		t.Fatalf("alternate settings %q", bs[0].Alts)
	}
	s, err := Open(ctx, host, bs[0].Info, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SelectAlt(ctx, "Option Bytes"); err != nil {
		t.Fatal(err)
	}
	reads := map[string]int{}
	for _, m := range regexp.MustCompile(`80 06 03([0-9a-f]{2}) 0409`).FindAllStringSubmatch(tr.String(), -1) {
		reads[m[1]]++
	}
	if len(reads) != 4 {
		t.Errorf("string descriptors read: %v, want the four alternate-setting names", reads)
	}
	for idx, n := range reads {
		if n != 1 {
			t.Errorf("string descriptor 0x%s read %d times, want once", idx, n)
		}
	}
}

// barrierHost lets an Open through only once n Opens are waiting: opened
// one after another, the first gives up after a while.
type barrierHost struct {
	sysfsHost
	arrived chan struct{}
	all     chan struct{}
}

func newBarrierHost(w *sim.World, n int) *barrierHost {
	h := &barrierHost{sysfsHost: sysfsHost{w}, arrived: make(chan struct{}, n), all: make(chan struct{})}
	go func() {
		for range n {
			<-h.arrived
		}
		close(h.all)
	}()
	return h
}

func (h *barrierHost) Open(ctx context.Context, info usb.DeviceInfo) (usb.Device, error) {
	h.arrived <- struct{}{}
	select {
	case <-h.all:
		return h.sysfsHost.Open(ctx, info)
	case <-time.After(2 * time.Second):
		return nil, errors.New("the other boards were not opened meanwhile")
	}
}

// TestSelectDescribesAtOnce: selecting several boards reads their
// alternate-setting names at the same time, not one board after another.
func TestSelectDescribesAtOnce(t *testing.T) {
	w := newWorld(t, "feather-f405:dfu,feather-f405:dfu,nucleo-f446re:dfu", sim.Options{})
	bs, err := Select(context.Background(), newBarrierHost(w, 3), Query{Selector: Selector{All: true}})
	if err != nil || len(bs) != 3 {
		t.Fatalf("select: %v, %v", bs, err)
	}
	for _, b := range bs {
		if len(b.Alts) != 4 || b.Alts[0] == "" {
			t.Errorf("%s: alternate settings %q, want the four names read", b.Path, b.Alts)
		}
	}
}
