// Package flash plans and executes a firmware update of a DfuSe device's
// internal flash.
//
// It works in three steps. TakeSurvey looks at the board read-only: the
// memory layout of alternate setting 0, whether the flash can be read (read
// protection refuses) and the current content of every sector the image
// touches. NewPlan turns an image and a Survey into a Plan, pure data with
// no device: for every sector whether it is left untouched, skipped because
// it already holds the image, programmed without an erase, or erased and
// written (keeping the bytes of the sector that lie outside the image), and
// the contiguous runs to write. Nothing touches the board until the whole
// plan is valid; a dry run prints it. Run executes a Plan on a dfu.Conn:
// erase phase, write phase, and a verify phase that reads every written run
// back. Leaving DFU mode is a separate call (dfu.Conn.Leave).
package flash
