package cli

import (
	"errors"
	"strings"

	"github.com/softdfu/softdfu/board"
)

// The exit codes are board.Kind's (Kind.Exit), 0 on success; the help
// below lists them for scripts, which may test them.
var exitCodeHelp = `Exit codes of softdfu:

  0  success
  1  failure not listed below
  2  usage: bad flags or arguments
  3  invalid input: the firmware file (or another input) cannot be used
  4  no board matches the selection, more than one does, it is not in DFU mode,
     or another program is using it (busy)
  5  the board answered with a DFU error status
  6  verification failed: what the board holds differs from the image
  7  permission denied by the operating system (see softdfu udev-rules)
  8  timeout: the board did not answer or did not appear in time (--wait)
  9  the application did not come back after leaving the bootloader (--expect-app)
130  interrupted (Ctrl-C)

With --json the result event of each board carries "ok" and, on failure,
"error": {"code": "...", "message": "..."}; the codes are the names below:
  usage, input, guard (exit 3: a safety guard refused the image; --force),
  no_device, ambiguous, not_in_dfu, busy, device, verify, permission, timeout,
  app_missing, interrupted, backup (exit 1: --backup failed), failure
`

func usageError(format string, a ...any) error { return board.Errorf(board.Usage, format, a...) }

func inputError(err error) error { return board.WithKind(board.Input, err) }

// classify returns the exit code and JSON code of an error (board.KindOf
// sorts it).
func classify(err error) (int, string) {
	if err == nil {
		return 0, ""
	}
	k := board.KindOf(err)
	return k.Exit(), k.Code()
}

// message renders an error for people: the first line says what went
// wrong; hints that say what to do follow, in the command line's terms.
func message(err error) string {
	msg := err.Error()
	for _, h := range hints {
		if h.applies(err) && !strings.Contains(msg, h.text) {
			msg += "\nhint: " + h.text
		}
	}
	return msg
}

// reword adds the command line's remedy to the text of sentinel within
// err: "the board is read-protected: softdfu unprotect --yes removes it".
func reword(err, sentinel error, remedy string) error {
	if !errors.Is(err, sentinel) {
		return err
	}
	return &reworded{err, strings.Replace(err.Error(), sentinel.Error(), sentinel.Error()+": "+remedy, 1)}
}

// reworded is an error with the command line's wording.
type reworded struct {
	error
	text string
}

func (r *reworded) Error() string { return r.text }
func (r *reworded) Unwrap() error { return r.error }
