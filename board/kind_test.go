package board

import "testing"

// TestKindExits pins the exit codes and JSON codes of the kinds: they are
// stable, scripts test them (softdfu help exit-codes).
func TestKindExits(t *testing.T) {
	want := map[Kind]struct {
		exit int
		code string
	}{
		Failure: {1, "failure"}, Usage: {2, "usage"}, Input: {3, "input"}, Guard: {3, "guard"},
		NoDevice: {4, "no_device"}, Ambiguous: {4, "ambiguous"}, NotInDFU: {4, "not_in_dfu"}, Busy: {4, "busy"},
		Device: {5, "device"}, Verify: {6, "verify"}, Permission: {7, "permission"}, Timeout: {8, "timeout"},
		AppMissing: {9, "app_missing"}, Interrupted: {130, "interrupted"}, Backup: {1, "backup"},
	}
	if len(want) != len(kinds) {
		t.Errorf("%d kinds, %d pinned", len(kinds), len(want))
	}
	for k, w := range want {
		if k.Exit() != w.exit || k.Code() != w.code {
			t.Errorf("kind %d: exit %d, code %q; want %d, %q", k, k.Exit(), k.Code(), w.exit, w.code)
		}
	}
}
