package fwfile

import (
	"path/filepath"
	"strings"

	"github.com/softdfu/softdfu/firmware"
)

// Saver returns a function that writes an image to path in the format its
// extension names, as update.Options.Backup takes one. With port != "",
// the port path goes before the extension (backup.1-2.hex): one file per
// board when several are updated at once. saved, if not nil, hears of
// every file written.
func Saver(path, port string, saved func(path string, img *firmware.Image)) func(*firmware.Image) error {
	if port != "" {
		ext := filepath.Ext(path)
		path = strings.TrimSuffix(path, ext) + "." + port + ext
	}
	return func(img *firmware.Image) error {
		if err := Write(path, img, WriteOptions{}); err != nil {
			return err
		}
		if saved != nil {
			saved(path, img)
		}
		return nil
	}
}
