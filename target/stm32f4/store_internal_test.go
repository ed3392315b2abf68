package stm32f4

import (
	"testing"
	"time"
)

func TestRequestWord(t *testing.T) {
	for _, tc := range []struct {
		name string
		w    uint32
		want request
		ok   bool
	}{
		{"bootloader, stamped, 3 attempts", 0x5DF03803, request{mode: Bootloader, stamped: true, attempts: 3}, true},
		{"safe mode", 0x5DF01000, request{mode: SafeMode}, true},
		{"uf2, 255 attempts", 0x5DF020FF, request{mode: UF2, attempts: 255}, true},
		{"zero", 0, request{}, false},
		{"erased", 0xFFFFFFFF, request{}, false},
		{"bad magic", 0x5DF1B803, request{}, false},
		{"reserved bits", 0x5DF03100, request{}, false},
		{"mode 4", 0x5DF04000, request{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decodeRequest(tc.w)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("decode(0x%08X) = %+v, %v; want %+v, %v", tc.w, got, ok, tc.want, tc.ok)
			}
			if ok && got.encode() != tc.w {
				t.Fatalf("encode = 0x%08X, want 0x%08X", got.encode(), tc.w)
			}
		})
	}
}

// FuzzDecodeRequest: any word either fails to decode or round-trips.
func FuzzDecodeRequest(f *testing.F) {
	for _, w := range []uint32{0, 0xFFFFFFFF, 0x5DF03803, 0x5DF0B803, 0x5DF01000, 0x5DF04000, 0x5DF00700} {
		f.Add(w)
	}
	f.Fuzz(func(t *testing.T, w uint32) {
		r, ok := decodeRequest(w)
		if !ok {
			return
		}
		if !r.mode.valid() || r.attempts < 0 || r.attempts > maxAttemptCap {
			t.Fatalf("decode(0x%08X) = %+v", w, r)
		}
		if r.encode() != w {
			t.Fatalf("0x%08X decodes to %+v, which encodes to 0x%08X", w, r, r.encode())
		}
	})
}

func TestAge(t *testing.T) {
	for _, tc := range []struct {
		now, then uint32
		want      time.Duration
	}{
		{5000, 1000, 4 * time.Second},
		{1000, dayMillis - 1000, 2 * time.Second}, // across midnight
		{1000, 1000, 0},
		{1000, dayMillis, 24 * time.Hour}, // garbage stamp
		{1000, 0xFFFFFFFF, 24 * time.Hour},
	} {
		if got := age(tc.now, tc.then); got != tc.want {
			t.Errorf("age(%d, %d) = %v, want %v", tc.now, tc.then, got, tc.want)
		}
	}
}

func TestStoreString(t *testing.T) {
	if got := BackupRegister(4).String(); got != "RTC_BKP4R" {
		t.Errorf("got %q", got)
	}
	if got := RAMWord(0x2001FFFC).String(); got != "RAM 0x2001FFFC" {
		t.Errorf("got %q", got)
	}
}
