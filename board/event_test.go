package board

import "testing"

// TestPhaseWords: every phase but plan and read says what it does; the
// events of enter, survey, leave and wait-app carry no message in a
// machine-readable stream, the others carry what the phase does.
func TestPhaseWords(t *testing.T) {
	quiet := map[Phase]bool{Entering: true, Surveying: true, Leaving: true, WaitingForApp: true}
	for _, p := range []Phase{Entering, Surveying, Planning, Erasing, MassErasing, Writing, Verifying, Reading, BlankChecking, Unprotecting, Resetting, Leaving, WaitingForApp} {
		silent := p == Planning || p == Reading
		if (p.Doing() == "") != silent {
			t.Errorf("%s: Doing %q", p, p.Doing())
		}
		want := p.Doing()
		if quiet[p] {
			want = ""
		}
		if p.Message() != want {
			t.Errorf("%s: Message %q, want %q", p, p.Message(), want)
		}
	}
	if Verifying.Doing() != "reading the board back" || Entering.Doing() != "entering the ROM bootloader from software" {
		t.Errorf("Doing: %q, %q", Verifying.Doing(), Entering.Doing())
	}
}
