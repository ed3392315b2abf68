package enter_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"

	"github.com/softdfu/softdfu/board"
	"github.com/softdfu/softdfu/enter"
)

// TestResultDocument: what entering did, in JSON and for people; the
// bootloader is named only when the entry succeeded.
func TestResultDocument(t *testing.T) {
	ctx := context.Background()
	w := world(t, "feather-f405", 1)
	bs, err := board.List(ctx, w)
	if err != nil || len(bs) != 1 {
		t.Fatalf("List: %v, %v", bs, err)
	}
	res, err := enter.Enter(ctx, w, bs[0].Info, enter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Document(nil))
	want := `^\{"app_serial":"30002D000B51343333353132","elapsed_ms":[0-9]+,"method":"repl","predicted_serial":"325E35633334","rom":\{"id":"0483:df11","path":"1-1","product":"STM32  BOOTLOADER","serial":"325E35633334"\}\}$`
	if !regexp.MustCompile(want).Match(b) {
		t.Errorf("document %s, want %s", b, want)
	}
	if d := res.Document(errors.New("x")); d.ROM != nil {
		t.Errorf("failed entry names the bootloader: %+v", d.ROM)
	}
	if s := res.String(); !regexp.MustCompile(`^1-1: entered the ROM bootloader with repl in [0-9]+ms: 0483:df11 "STM32  BOOTLOADER" path 1-1 serial 325E35633334$`).MatchString(s) {
		t.Errorf("text %q", s)
	}
	bs, _ = board.List(ctx, w)
	res, err = enter.Enter(ctx, w, bs[0].Info, enter.Options{})
	if err != nil || res.String() != "1-1: already in the ROM bootloader: 0483:df11 serial 325E35633334" {
		t.Errorf("already in DFU: %q, %v", res, err)
	}
	if (*enter.Result)(nil).Document(nil) != nil {
		t.Error("nil result has a document")
	}
}
