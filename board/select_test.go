package board

import (
	"testing"

	"github.com/softdfu/softdfu/part"
)

func TestParseUID(t *testing.T) {
	tests := []struct {
		in      string
		rom     string
		wantErr bool
	}{
		{"30002D000B51343333353132", "325E35633334", false},
		{"30 00 2d 00 0b 51 34 33 33 35 31 32", "325E35633334", false},
		{"30:00:2D:00:0B:51:34:33:33:35:31:32", "325E35633334", false},
		{"30002D000B5134333335313", "", true},
		{"30002D000B513433333531320000", "", true},
		{"zz002D000B51343333353132", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		uid, err := ParseUID(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseUID(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && part.ROMSerial(uid) != tt.rom {
			t.Errorf("ParseUID(%q): ROM serial %s, want %s", tt.in, part.ROMSerial(uid), tt.rom)
		}
	}
}
