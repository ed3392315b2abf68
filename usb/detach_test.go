package usb

import (
	"bytes"
	"errors"
	"testing"
)

func TestDetachedKeepsALateWriteOut(t *testing.T) {
	data := []byte{1, 2, 3, 4}
	var late []byte
	_, err := Detached(true, data, func(buf []byte) (int, error) {
		late = buf // the background call still holds it
		return 0, errors.New("context canceled")
	})
	if err == nil {
		t.Fatal("want the transfer's error")
	}
	copy(late, []byte{9, 9, 9, 9}) // the call finishes after the caller gave up
	if !bytes.Equal(data, []byte{1, 2, 3, 4}) {
		t.Fatalf("caller's buffer changed after an abandoned IN transfer: % x", data)
	}
}

func TestDetachedCopies(t *testing.T) {
	in := make([]byte, 4)
	n, err := Detached(true, in, func(buf []byte) (int, error) { return copy(buf, []byte{7, 8}), nil })
	if err != nil || n != 2 || !bytes.Equal(in, []byte{7, 8, 0, 0}) {
		t.Fatalf("IN: n %d err %v data % x", n, err, in)
	}
	var sent []byte
	if _, err := Detached(false, []byte{5, 6}, func(buf []byte) (int, error) { sent = append(sent, buf...); return len(buf), nil }); err != nil || !bytes.Equal(sent, []byte{5, 6}) {
		t.Fatalf("OUT: sent % x err %v", sent, err)
	}
}
