package enter_test

import (
	"regexp"
	"testing"

	"github.com/softdfu/softdfu/enter"
)

var romSerial = regexp.MustCompile(`^[0-9A-F]{12}$`)

// FuzzPredictROMSerial: any serial gives a ROM serial of 12 upper-case hex
// digits, or none.
func FuzzPredictROMSerial(f *testing.F) {
	for _, s := range []string{"30002D000B51343333353132", "325e35633334", "", "zz", "0x12", " 30002D000B51343333353132 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := enter.PredictROMSerial(s)
		if ok != romSerial.MatchString(got) {
			t.Fatalf("PredictROMSerial(%q) = %q, %v", s, got, ok)
		}
	})
}
